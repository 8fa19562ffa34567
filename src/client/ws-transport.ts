import { compressSync } from 'lz4-napi';
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import { PRESIGN_EXPIRES_S, presignUrl, type SigningOptions } from './sigv4-signer.js';
import { BatchError, REQUEST_TIMEOUT_MS, RETRYABLE_CODES, type OutRecord, type RecordOutcome, type Transport } from './transport.js';

const ACK_ERRORS: Record<number, string> = { 1: 'ProvisionedThroughputExceededException', 2: 'InternalFailure' };
/** PUT frame flag: the records are one LZ4 block (docs/ws-protocol.md). */
const FRAME_FLAG_LZ4 = 1;
/** Of a refused upgrade's answer, what is read for its error (an AWS error body is far smaller). */
const REFUSAL_BYTES_MAX = 16 * 1024;

export interface WsTransportOptions {
  compression?: 'none' | 'lz4' | undefined;
  requestTimeoutMs?: number;
  /** Connect with a SigV4-presigned URL (a server run with --auth sigv4), signed anew for every connection. */
  signing?: SigningOptions | undefined;
  /** How long each presigned URL is valid, seconds (default PRESIGN_EXPIRES_S). */
  presignExpiresS?: number;
}

/**
 * Binary PUT frames over one WebSocket (docs/ws-protocol.md), replies matched by batch id. A lost
 * connection fails its in-flight batches as retryable; the next send opens a new connection (the
 * producer's backoff spaces the attempts). A batch with no reply in REQUEST_TIMEOUT_MS fails too,
 * and so does a connection whose upgrade is not answered in that time.
 *
 * With `signing`, every connection (the first and each reconnect) is opened with a URL presigned
 * at that moment, so a reconnect never reuses an expired signature. An upgrade the server refuses
 * (a bad signature: 403 with an AWS error, x-amzn-ErrorType and {"__type", "message"}) fails the
 * batch with that AWS code, not retryable unless the code or a 5xx says so.
 */
export class WsTransport implements Transport {
  private ws!: WebSocket;
  private ready!: Promise<void>;
  private readonly url: string;
  private readonly pending = new Map<number, { resolve: (o: RecordOutcome[]) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private closing = false;

  private readonly lz4: boolean;
  private readonly timeoutMs: number;

  private readonly signing: SigningOptions | undefined;
  private readonly presignExpiresS: number;

  /** `endpoint`: ws://host:stream-port (the /ingest path is added). */
  constructor(endpoint: string, options: WsTransportOptions = {}) {
    this.url = endpoint.replace(/\/$/, '') + '/ingest';
    this.lz4 = options.compression === 'lz4';
    this.timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.signing = options.signing;
    this.presignExpiresS = options.presignExpiresS ?? PRESIGN_EXPIRES_S;
    this.connect();
  }

  private connect(): void {
    const url = this.signing === undefined ? this.url : presignUrl(this.signing, new URL(this.url), Date.now(), this.presignExpiresS);
    const ws = new WebSocket(url, { handshakeTimeout: this.timeoutMs });
    this.ws = ws;
    this.ready = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (err) => reject(new BatchError('InternalFailure', err.message, true)));
      // Listening here makes the refusal ours to read (ws would only say "Unexpected server
      // response: 403"), and ours to end: terminate() aborts the request and closes the socket.
      ws.once('unexpected-response', (_req, res) => {
        void readRefusal(res).then((err) => {
          reject(err);
          ws.terminate();
        });
      });
    });
    this.ready.catch(() => undefined);
    ws.on('error', () => undefined); // reported through `ready` or `close`
    ws.on('message', (frame: Buffer) => this.onReply(frame));
    ws.on('close', () => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new BatchError('InternalFailure', 'connection closed before the reply', true));
      }
      this.pending.clear();
    });
  }

  private onReply(frame: Buffer): void {
    const id = frame.readUInt32LE(4);
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (frame.readUInt8(0) === 3) {
      const tl = frame.readUInt16LE(8);
      const code = frame.toString('utf8', 10, 10 + tl);
      const message = frame.toString('utf8', 14 + tl, 14 + tl + frame.readUInt32LE(10 + tl));
      return p.reject(new BatchError(code, message, RETRYABLE_CODES.has(code)));
    }
    const createdMs = frame.readDoubleLE(8);
    const count = frame.readUInt32LE(16);
    const created = String(createdMs).padStart(13, '0');
    const out: RecordOutcome[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const at = 20 + 13 * i;
      const status = frame.readUInt8(at);
      const shard = frame.readUInt32LE(at + 1);
      if (status === 0) {
        out[i] = {
          ok: true,
          shardId: `shardId-${String(shard).padStart(12, '0')}`,
          sequenceNumber: `4${created}${String(shard).padStart(10, '0')}${String(frame.readDoubleLE(at + 5)).padStart(20, '0')}`,
        };
      } else {
        const code = ACK_ERRORS[status] ?? 'InternalFailure';
        out[i] = { ok: false, errorCode: code, errorMessage: code };
      }
    }
    p.resolve(out);
  }

  async send(streamName: string, records: readonly OutRecord[]): Promise<RecordOutcome[]> {
    if (this.closing) throw new BatchError('InternalFailure', 'transport closed', false);
    if (this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING) this.connect();
    await this.ready;
    const name = Buffer.from(streamName, 'utf8');
    const keys = records.map((r) => Buffer.from(r.partitionKey, 'utf8'));
    let size = 0;
    records.forEach((r, i) => (size += 3 + (keys[i] as Buffer).length + 4 + r.data.length));
    let body: Buffer = Buffer.allocUnsafe(size);
    let at = 0;
    records.forEach((r, i) => {
      const key = keys[i] as Buffer;
      body.writeUInt8(0, at);
      body.writeUInt16LE(key.length, at + 1);
      key.copy(body, at + 3);
      at += 3 + key.length;
      body.writeUInt32LE(r.data.length, at);
      body.set(r.data, at + 4);
      at += 4 + r.data.length;
    });
    if (this.lz4) body = compressSync(body);
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    const head = Buffer.allocUnsafe(8 + 2 + name.length + 4);
    head.writeUInt8(1, 0);
    head.writeUInt8(1, 1);
    head.writeUInt16LE(this.lz4 ? FRAME_FLAG_LZ4 : 0, 2);
    head.writeUInt32LE(id, 4);
    head.writeUInt16LE(name.length, 8);
    name.copy(head, 10);
    head.writeUInt32LE(records.length, 10 + name.length);
    const frame = Buffer.concat([head, body]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new BatchError('InternalFailure', `no reply within ${this.timeoutMs} ms`, true));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(frame, (err) => {
        if (err === undefined || err === null || !this.pending.delete(id)) return;
        clearTimeout(timer);
        reject(new BatchError('InternalFailure', err.message, true));
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** The BatchError for a refused upgrade: the AWS code the server names (x-amzn-ErrorType, else the body's __type), its message. */
function readRefusal(res: IncomingMessage): Promise<BatchError> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const done = (): void => {
      if (settled) return; // 'end' is followed by 'close'
      settled = true;
      const status = res.statusCode ?? 0;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // Not an AWS error: the text itself is the message.
      }
      const header = res.headers['x-amzn-errortype'];
      const named = (typeof header === 'string' ? header : typeof body.__type === 'string' ? body.__type : '').split(':')[0]?.split('#').pop() ?? '';
      const message = typeof body.message === 'string' ? body.message : `the WebSocket upgrade was answered with HTTP ${status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`;
      const code = named === '' ? 'InternalFailure' : named;
      resolve(new BatchError(code, message, status >= 500 || status === 429 || (named !== '' && RETRYABLE_CODES.has(named))));
    };
    res.on('data', (c: Buffer) => {
      if (bytes < REFUSAL_BYTES_MAX) chunks.push(c.subarray(0, REFUSAL_BYTES_MAX - bytes));
      bytes += c.length;
    });
    res.once('end', done);
    res.once('error', done);
    res.once('close', done);
  });
}
