import http from 'node:http';
import { signHeaders, type SigningOptions } from './sigv4-signer.js';
import { BatchError, REQUEST_TIMEOUT_MS, RETRYABLE_CODES, type OutRecord, type RecordOutcome, type Transport } from './transport.js';

/**
 * Riffle without --auth accepts any well-formed signature: unsigned, every request carries this
 * fixed one, so the hot path hashes nothing (benchmarks measure Riffle, not SHA-256).
 */
const PLACEHOLDER_AUTH = {
  authorization: 'AWS4-HMAC-SHA256 Credential=riffle/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=riffle',
  'x-amz-date': '20260101T000000Z',
};

export interface HttpTransportOptions {
  requestTimeoutMs?: number;
  /** Sign every request with SigV4 (a server run with --auth sigv4). Without: PLACEHOLDER_AUTH. */
  signing?: SigningOptions | undefined;
}

/**
 * PutRecords over HTTP/1.1 keep-alive (AWS JSON 1.1). With `signing`, each request is signed when
 * it is sent (a retry is signed anew, with its own date); without, it carries PLACEHOLDER_AUTH.
 */
export class HttpTransport implements Transport {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly signing: SigningOptions | undefined;

  constructor(endpoint: string, maxSockets = 8, options: HttpTransportOptions = {}) {
    this.url = new URL(endpoint);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
    this.timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.signing = options.signing;
  }

  send(streamName: string, records: readonly OutRecord[]): Promise<RecordOutcome[]> {
    const body = Buffer.from(
      JSON.stringify({ StreamName: streamName, Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: Buffer.from(r.data).toString('base64') })) }),
    );
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: '/',
          agent: this.agent,
          headers: { ...this.headers(body), 'content-length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let json: Record<string, unknown>;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
            } catch {
              return reject(new BatchError('InternalFailure', `HTTP ${res.statusCode} with an unreadable body`, true));
            }
            if (res.statusCode !== 200) {
              const code = String(json.__type ?? 'InternalFailure').split('#').pop() as string;
              return reject(new BatchError(code, String(json.message ?? json.Message ?? ''), RETRYABLE_CODES.has(code) || (res.statusCode ?? 500) >= 500));
            }
            const out = (json.Records as Array<Record<string, string>>).map((r): RecordOutcome =>
              r.ErrorCode === undefined
                ? { ok: true, shardId: r.ShardId as string, sequenceNumber: r.SequenceNumber as string }
                : { ok: false, errorCode: r.ErrorCode, errorMessage: r.ErrorMessage ?? '' },
            );
            resolve(out);
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no reply within ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(new BatchError('InternalFailure', err.message, true)));
      req.end(body);
    });
  }

  private headers(body: Buffer): Record<string, string> {
    // `host` is set here, not left to node:http, so the Host signed is the Host sent.
    const signed = { host: this.url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords' };
    if (this.signing === undefined) return { ...signed, ...PLACEHOLDER_AUTH };
    return { ...signed, ...signHeaders(this.signing, { method: 'POST', path: '/', headers: signed, body }, Date.now()) };
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
