import { compressSync } from 'lz4-napi';
import WebSocket from 'ws';
import { BatchError, REQUEST_TIMEOUT_MS, RETRYABLE_CODES, type OutRecord, type RecordOutcome, type Transport } from './transport.js';

const ACK_ERRORS: Record<number, string> = { 1: 'ProvisionedThroughputExceededException', 2: 'InternalFailure' };
/** PUT frame flag: the records are one LZ4 block (docs/ws-protocol.md). */
const FRAME_FLAG_LZ4 = 1;

/**
 * Binary PUT frames over one WebSocket (docs/ws-protocol.md), replies matched by batch id. A lost
 * connection fails its in-flight batches as retryable; the next send opens a new connection (the
 * producer's backoff spaces the attempts). A batch with no reply in REQUEST_TIMEOUT_MS fails too.
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

  /** `endpoint`: ws://host:stream-port (the /ingest path is added). */
  constructor(endpoint: string, options: { compression?: 'none' | 'lz4' | undefined; requestTimeoutMs?: number } = {}) {
    this.url = endpoint.replace(/\/$/, '') + '/ingest';
    this.lz4 = options.compression === 'lz4';
    this.timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.connect();
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.ready = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (err) => reject(new BatchError('InternalFailure', err.message, true)));
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
