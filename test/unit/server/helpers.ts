import { expect } from 'vitest';
// Shared fixtures for the server tests: a small real AwsService and bounded raw HTTP clients.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { AwsError } from '../../../src/aws/errors.js';
import type { AwsService } from '../../../src/aws/http.js';

export const AMZ_JSON = 'application/x-amz-json-1.1';
export const AMZ_CBOR = 'application/x-amz-cbor-1.1';
export const CREATED_AT = new Date(1_700_000_000_123);
export const SECRET = 'secret-detail-do-not-leak';
/** A complete SigV4 Authorization header; Riffle checks presence, not the signature. */
export const SIGNED = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123',
  'x-amz-date': '20240101T000000Z',
};

export class TestService implements AwsService {
  readonly targetPrefix = 'Kinesis_20131202';
  readonly inputs: Array<Record<string, unknown>> = [];

  has(operation: string): boolean {
    return ['Echo', 'Fail', 'Crash', 'ListStreams'].includes(operation);
  }

  async call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.inputs.push(input);
    if (operation === 'Echo') return { ...input, At: CREATED_AT, Blob: Buffer.from('hello') };
    if (operation === 'Fail') throw new AwsError('ResourceNotFoundException', 'Stream s1 under account 000000000000 not found.');
    if (operation === 'Crash') throw new Error(SECRET);
    // ListStreams: a minimal real one, with error paths chosen by ExclusiveStartStreamName.
    if (input.ExclusiveStartStreamName === 'missing') {
      throw new AwsError('ResourceNotFoundException', 'Stream missing under account 000000000000 not found.');
    }
    if (input.ExclusiveStartStreamName === 'crash') throw new Error(SECRET);
    return {
      StreamNames: ['s1'],
      HasMoreStreams: false,
      StreamSummaries: [
        {
          StreamName: 's1',
          StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s1',
          StreamStatus: 'ACTIVE',
          StreamModeDetails: { StreamMode: 'PROVISIONED' },
          StreamCreationTimestamp: CREATED_AT,
        },
      ],
    };
  }
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  agent?: http.Agent;
  /** Send the body with chunked transfer encoding, in 64 KiB writes. */
  chunked?: boolean;
}

/** One HTTP/1.1 request with node:http, bounded by 5 s. */
export function h1Request(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: '127.0.0.1',
        port,
        method: req.method ?? 'POST',
        path: req.path ?? '/',
        headers: req.headers ?? {},
        agent: req.agent ?? false,
        signal: AbortSignal.timeout(5_000),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    if (req.chunked !== true || req.body === undefined) return void r.end(req.body);
    const body = Buffer.from(req.body);
    for (let at = 0; at < body.length; at += 65536) r.write(body.subarray(at, at + 65536));
    r.end();
  });
}

/** One request on an h2c session, bounded by 5 s. */
export function h2Request(session: http2.ClientHttp2Session, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': req.method ?? 'POST', ':path': req.path ?? '/', ...req.headers });
    stream.setTimeout(5_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    let headers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.on('close', () => reject(new Error(`h2 stream closed with code ${stream.rstCode}`))); // no-op after resolve
    stream.end(req.body);
  });
}

/** A signed AWS JSON 1.1 request for `operation`. */
export function jsonRequest(operation: string, input: unknown = {}): RawRequest {
  return {
    headers: { 'content-type': AMZ_JSON, 'x-amz-target': `Kinesis_20131202.${operation}`, ...SIGNED },
    body: JSON.stringify(input),
  };
}

/** Opens a raw TCP connection and collects what the server sends until it closes or `ms` pass. */
export function rawExchange(port: number, writes: Array<Buffer | string>, gapMs: number, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', done);
    socket.on('error', reject);
    socket.once('connect', async () => {
      for (const [i, w] of writes.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
        socket.write(w);
      }
    });
  });
}

/** The endpoint still answers a plain Echo correctly: checked after every bad request. */
export async function expectEchoOk(port: number): Promise<void> {
  const res = await h1Request(port, jsonRequest('Echo', { A: 1 }));
  expect([res.status, res.body.toString()]).toEqual([200, '{"A":1,"At":1700000000.123,"Blob":"aGVsbG8="}']);
}
