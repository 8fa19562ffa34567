// The contracts between the transports (server/: node:http, node:http2, uWS) and the services:
// a transport produces an AwsHttpRequest, protocol.ts turns it into one AwsService.call (routed by
// the X-Amz-Target prefix) and back. Transports implement these; services never see a transport.

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
  headers: Record<string, string>;
  body: Buffer | string;
  /** A body written over time instead of `body` (SubscribeToShard's event stream). */
  stream?: StreamingBody;
}

/**
 * A response body produced over time. An operation returns one under the STREAMING_BODY key of
 * its output; the transport sends the status and headers, then calls start() with a sink over the
 * HTTP/2 stream or the HTTP/1.1 chunked response.
 */
export interface StreamingBody {
  start(sink: BodySink): void;
}

/** The transport's side of a streaming body. */
export interface BodySink {
  /** Queues bytes; false once the transport holds more than its high-water mark (wait for drain). */
  write(chunk: Uint8Array): boolean;
  /** Ends the body normally. */
  end(): void;
  /** The queue has drained below the high-water mark. */
  onDrain(listener: () => void): void;
  /** The response is over: ended, the client went away, or the server is closing. Called once. */
  onClose(listener: () => void): void;
}

/** The output key under which an operation hands its StreamingBody to the protocol layer. */
export const STREAMING_BODY = Symbol('streamingBody');
