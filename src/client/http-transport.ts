import http from 'node:http';
import { BatchError, REQUEST_TIMEOUT_MS, RETRYABLE_CODES, type OutRecord, type RecordOutcome, type Transport } from './transport.js';

/**
 * PutRecords over HTTP/1.1 keep-alive (AWS JSON 1.1). Riffle accepts any signature, so the
 * Authorization header is a fixed well-formed placeholder; against AWS itself use the AWS SDK.
 */
export class HttpTransport implements Transport {
  private readonly agent: http.Agent;
  private readonly url: URL;

  private readonly timeoutMs: number;

  constructor(endpoint: string, maxSockets = 8, options: { requestTimeoutMs?: number } = {}) {
    this.url = new URL(endpoint);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
    this.timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
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
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'Kinesis_20131202.PutRecords',
            authorization: 'AWS4-HMAC-SHA256 Credential=riffle/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=riffle',
            'x-amz-date': '20260101T000000Z',
            'content-length': String(body.length),
          },
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

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
