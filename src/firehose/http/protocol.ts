import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/**
 * Firehose's HTTP endpoint delivery, as AWS specifies it ("Appendix - HTTP Endpoint Delivery
 * Request and Response Specifications", FIREHOSE-FACTS 1.9): the request Firehose sends, and what
 * it takes as an answer. Pure functions; http/poster.ts sends them.
 */

export const PROTOCOL_VERSION = '1.0';
/** The body before compression: at most 64 MiB. */
export const REQUEST_BODY_BYTES_MAX = 64 * 1024 * 1024;
/** Records per request: 1 to 10,000. */
export const REQUEST_RECORDS_MAX = 10_000;
/** The endpoint must answer within 3 minutes. */
export const RESPONSE_TIMEOUT_MS = 3 * 60_000;
/** A response body of at most 1 MiB. */
export const RESPONSE_BODY_BYTES_MAX = 1024 * 1024;
/** The access key is sent verbatim, at most 4096 bytes. */
export const ACCESS_KEY_BYTES_MAX = 4096;

export interface EndpointRequestSettings {
  /** The delivery stream's ARN: X-Amz-Firehose-Source-Arn. */
  sourceArn: string;
  /** EndpointConfiguration.AccessKey: X-Amz-Firehose-Access-Key (absent when none). */
  accessKey?: string | undefined;
  /** RequestConfiguration.CommonAttributes, by name. */
  commonAttributes: ReadonlyArray<{ AttributeName: string; AttributeValue: string }>;
  /** RequestConfiguration.ContentEncoding. */
  contentEncoding: 'NONE' | 'GZIP';
}

export interface EndpointRequest {
  headers: Record<string, string>;
  body: Buffer;
  /** The body's length before compression (what the 64 MiB limit counts). */
  plainBytes: number;
}

/** A request's records as they go in its body, encoded once for all its attempts: `"records":[...]}`. */
export interface EncodedRecords {
  readonly json: Buffer;
  readonly count: number;
}

export function encodeRecords(records: readonly Uint8Array[]): EncodedRecords {
  if (records.length < 1 || records.length > REQUEST_RECORDS_MAX) throw new RangeError(`an HTTP endpoint request holds 1 to ${REQUEST_RECORDS_MAX} records, not ${records.length}`);
  // Written without a JSON tree of the records (a request is up to 64 MiB).
  const parts: Buffer[] = [Buffer.from('"records":[')];
  records.forEach((r, i) => parts.push(Buffer.from(`${i === 0 ? '' : ','}{"data":"${Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('base64')}"}`)));
  parts.push(Buffer.from(']}'));
  return { json: Buffer.concat(parts), count: records.length };
}

/** JSON with every character outside printable ASCII escaped (\uXXXX): a header value must be ASCII. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The request for `records`. `requestId` is the same for every attempt of one batch (AWS: "the
 * same across retries", for the receiver to deduplicate); `timestampMs` is when this attempt is
 * made (the spec's "timestamp" in milliseconds). GZIP compresses off the main thread (zlib's pool).
 */
export async function buildRequest(settings: EndpointRequestSettings, requestId: string, timestampMs: number, records: readonly Uint8Array[] | EncodedRecords): Promise<EndpointRequest> {
  const encoded = Array.isArray(records) ? encodeRecords(records as readonly Uint8Array[]) : (records as EncodedRecords);
  const plain = Buffer.concat([Buffer.from(`{"requestId":${JSON.stringify(requestId)},"timestamp":${Math.floor(timestampMs)},`), encoded.json]);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Amz-Firehose-Protocol-Version': PROTOCOL_VERSION,
    'X-Amz-Firehose-Request-Id': requestId,
    'X-Amz-Firehose-Source-Arn': settings.sourceArn,
  };
  if (settings.accessKey !== undefined) headers['X-Amz-Firehose-Access-Key'] = settings.accessKey;
  // Sent when RequestConfiguration names CommonAttributes (the spec does not say AWS sends an empty
  // one without them; receivers such as Vector treat the header as optional).
  if (settings.commonAttributes.length > 0) {
    headers['X-Amz-Firehose-Common-Attributes'] = asciiJson({ commonAttributes: Object.fromEntries(settings.commonAttributes.map((a) => [a.AttributeName, a.AttributeValue])) });
  }
  if (settings.contentEncoding === 'GZIP') {
    headers['Content-Encoding'] = 'gzip';
    return { headers, body: await gzipAsync(plain), plainBytes: plain.length };
  }
  return { headers, body: plain, plainBytes: plain.length };
}

/** An answer as Firehose judges it. */
export type EndpointOutcome =
  | { kind: 'delivered' }
  /** Tried again with backoff, within RetryOptions.DurationInSeconds. `code`: the error record's errorCode (AWS's HTTP endpoint troubleshooting names). */
  | { kind: 'retry'; reason: string; code: string }
  /** 413: "not retried", and the records are not sent to the error bucket (AWS's rule, FIREHOSE-FACTS 1.9). */
  | { kind: 'permanent'; reason: string; code: string };

const DESTINATION = 'HttpEndpoint.DestinationException';
const INVALID = 'HttpEndpoint.InvalidResponseFromDestination';

export interface EndpointResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /** null when the body was larger than RESPONSE_BODY_BYTES_MAX (and so not read whole). */
  body: Buffer | null;
}

/**
 * Only a 200 whose body is a JSON object with the same requestId and a numeric timestamp, with
 * `Content-Type: application/json`, no Content-Encoding and at most 1 MiB, is a delivery. (The spec
 * also asks for a Content-Length; a chunked answer, which is what node:http sends by default, is
 * taken: Riffle is lenient there.) A 413 is
 * permanent. Anything else ("a nonconforming response is treated as 500 with no body") is retried.
 */
export function judgeResponse(requestId: string, res: EndpointResponse): EndpointOutcome {
  // AWS's words: "Received the following response from the endpoint destination. ..."
  const received = (what: string) => `Received the following response from the endpoint destination. ${what}`;
  if (res.status === 413) return { kind: 'permanent', reason: received('413: request entity too large; not retried'), code: DESTINATION };
  if (res.body === null) return { kind: 'retry', reason: received(`${res.status} with a body over ${RESPONSE_BODY_BYTES_MAX} bytes`), code: 'HttpEndpoint.ResponseTooLarge' };
  if (res.status !== 200) return { kind: 'retry', reason: received(`${res.status}: ${res.body.toString('utf8', 0, Math.min(res.body.length, 8192))}`), code: DESTINATION };
  const invalid = (why: string): EndpointOutcome => ({ kind: 'retry', reason: received(`200 ${why}`), code: INVALID });
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return invalid(`with Content-Type ${JSON.stringify(res.headers['content-type'] ?? '')}, not application/json`);
  if (res.headers['content-encoding'] !== undefined) return invalid('with a Content-Encoding (the response must not be encoded)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body.toString('utf8'));
  } catch {
    return invalid('with a body that is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return invalid('with a body that is not a JSON object');
  const o = parsed as Record<string, unknown>;
  if (o.requestId !== requestId) return invalid(`for requestId ${JSON.stringify(o.requestId ?? null)}, not ${JSON.stringify(requestId)}`);
  if (typeof o.timestamp !== 'number' || !Number.isFinite(o.timestamp)) return invalid('without a numeric timestamp');
  return { kind: 'delivered' };
}

/**
 * The wait before retry `n` (1 for the first retry): 1 s doubled per retry, capped at 120 s, with
 * ±15% jitter (AWS: "an initial 1 second ... multiplied by 2 ... jitter of 15% ... at most 120
 * seconds"). `random` in [0, 1).
 */
export function backoffMs(n: number, random: () => number): number {
  const base = Math.min(120_000, 1000 * 2 ** Math.max(0, n - 1));
  return Math.round(base * (0.85 + 0.3 * random()));
}
