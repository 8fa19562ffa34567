// The contracts between the transports (server/: node:http, node:http2, uWS) and the services:
// a transport produces an AwsHttpRequest, protocol.ts turns it into one AwsService.call (routed by
// the X-Amz-Target prefix) or hands it to a RestService (routed by the SigV4 credential scope), and
// back. Transports implement these; services never see a transport.

export interface AwsService {
  /** e.g. 'Kinesis_20131202' (later also 'Firehose_20150804') */
  readonly targetPrefix: string;
  has(operation: string): boolean;
  /**
   * input: the decoded JSON/CBOR object. Blob members arrive as base64 strings from JSON and as
   * Uint8Array from CBOR; the operation layer validates and normalizes. Timestamps arrive as numbers
   * (epoch seconds) from JSON and as Date from CBOR (see codec.ts). Returns the output object: blob
   * members as Uint8Array/Buffer, timestamps as Date. Throws AwsError for AWS errors; any other
   * throw is an internal failure.
   */
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * A service on a REST protocol (S3's restXml), where the method, path and query name the
 * operation. protocol.ts gives it every request signed for its signing name, whatever the method
 * and path, so unsigned paths (a later /metrics or /health) never reach it.
 */
/** Why a request's SigV4 signature did not verify (aws/sigv4.ts); each service words it its own way. */
export type SigV4Failure =
  | { kind: 'missing' }
  | { kind: 'incomplete'; message: string }
  | { kind: 'unknown-key'; accessKeyId: string }
  | { kind: 'mismatch'; canonicalRequest: string; stringToSign: string }
  | { kind: 'expired'; message: string };

export interface RestService {
  /** The SigV4 signing name requests carry in their credential scope (`AKID/<date>/<region>/s3/aws4_request`): 's3'. */
  readonly signingName: string;
  /** Answers in the service's own wire format, errors included; rejects only on a bug. */
  handle(req: AwsHttpRequest): Promise<AwsHttpResponse>;
  /** The answer, in its own wire format, to a request whose SigV4 signature did not verify. */
  refuse(failure: SigV4Failure): AwsHttpResponse;
}

/**
 * The unsigned pages served beside the AWS API (GET /metrics, /health, /stats, the dashboard): the answer
 * to a request that is one of them, or undefined for every other request (which goes on to the
 * services). Host and Origin rules are checked before it.
 */
export type PageHandler = (req: AwsHttpRequest) => Promise<AwsHttpResponse> | undefined;

export interface AwsHttpRequest {
  method: string;
  path: string;
  /** The raw query string without the leading '?', '' when absent. */
  query: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface AwsHttpResponse {
  status: number;
  /** Never Content-Length or Transfer-Encoding: the transport writes those (from body, stream or headLength). */
  headers: Record<string, string>;
  body: Buffer | string;
  /** A body written over time instead of `body` (SubscribeToShard's event stream, GetObject's file). */
  stream?: StreamingBody;
  /**
   * The Content-Length of a response without content (RFC 9110 §6.4.1: to HEAD, or a 304): the
   * length a GET would have sent (§9.3.2; HeadObject's object size). Without it, a HEAD answer
   * says body's length and a 304 says none. A transport never sends content in these responses.
   */
  headLength?: number;
}

/**
 * A response body produced over time. An operation returns one under the STREAMING_BODY key of
 * its output (a RestService in its response); the transport sends the status and headers, then
 * calls start() with a sink over the HTTP/2 stream or the HTTP/1.1 response: chunked, or with a
 * Content-Length when `length` is known.
 */
export interface StreamingBody {
  /** The exact number of bytes the body will write, when known before it starts (a file's range). */
  readonly length?: number;
  start(sink: BodySink): void;
  /**
   * Called instead of start() when the body will never be sent (the client left before the
   * response was ready, or the request was HEAD): frees what the body holds, such as an open file.
   */
  cancel?(): void;
}

/** The transport's side of a streaming body. */
export interface BodySink {
  /** Queues bytes; false once the transport holds more than its high-water mark (wait for drain). */
  write(chunk: Uint8Array): boolean;
  /** Ends the body normally. */
  end(): void;
  /**
   * Ends the response abnormally (the body cannot be completed, e.g. a read error): the HTTP/1.1
   * connection is closed or the HTTP/2 stream reset, so the client sees a failed body, not a short one.
   */
  abort(): void;
  /** The queue has drained below the high-water mark. */
  onDrain(listener: () => void): void;
  /** The response is over: ended, the client went away, or the server is closing. Called once. */
  onClose(listener: () => void): void;
}

/** The output key under which an operation hands its StreamingBody to the protocol layer. */
export const STREAMING_BODY = Symbol('streamingBody');
