// The boundary between the transports (node:http, node:http2, uWS) and the operation layer.
// Transports produce an AwsHttpRequest, protocol.ts turns it into one AwsService.call and back.

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

/** One WebSocket connection as a WebSocket route sees it, whatever server carries it. */
export interface WsPeer {
  /** Queues a message (binary for bytes, text for a string); never throws after close (it is dropped). */
  send(message: Uint8Array | string): void;
  /** Bytes queued in the server and not yet written to the socket (backpressure). */
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

export interface WsSession {
  /** `data` is valid only during the call: copy what outlives it. */
  message(data: Uint8Array, binary: boolean): void;
  /** The socket's send buffer has drained. */
  drain(): void;
  /** The connection is gone; the peer must not be used again. */
  closed(): void;
}

/** A WebSocket route: one session per connection. */
export interface WsRoute {
  readonly path: string;
  /** Largest message accepted; a larger one closes the connection (WebSocket code 1009). */
  readonly maxMessageBytes: number;
  open(peer: WsPeer): WsSession;
}

export interface EndpointOptions {
  host: string;
  /** 0 picks an ephemeral port; the bound port is returned. */
  port: number;
  services: AwsService[];
  /** Largest request body accepted; larger bodies get 413. Default MAX_BODY_BYTES_DEFAULT. */
  maxBodyBytes?: number;
}

export interface RunningEndpoint {
  readonly port: number;
  /** Stops listening and closes every open connection; resolves when the port is free. */
  close(): Promise<void>;
}

/**
 * 8 MiB. The largest legitimate bodies are PutRecords (5 MiB of data per request, AWS Kinesis
 * quotas) and PutRecordBatch (4 MiB, Firehose quotas); base64 in JSON inflates data by 4/3, so
 * 5 MiB becomes 6.67 MiB, plus up to 500 partition keys of 256 chars and JSON punctuation (~0.2 MiB).
 * kinesalite stops at 7 MiB, which leaves little slack over 6.87 MiB; 8 MiB keeps the same order
 * of magnitude while bounding per-request memory.
 */
export const MAX_BODY_BYTES_DEFAULT = 8 * 1024 * 1024;
const MAX_BODY_BYTES_MIN = 1024;
const MAX_BODY_BYTES_MAX = 1024 * 1024 * 1024;

/** Checks endpoint options once at start-up; returns the effective body limit. */
export function checkEndpointOptions(options: EndpointOptions): number {
  const { port, maxBodyBytes = MAX_BODY_BYTES_DEFAULT } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in [0, 65535], got ${String(port)}`);
  }
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < MAX_BODY_BYTES_MIN || maxBodyBytes > MAX_BODY_BYTES_MAX) {
    throw new RangeError(
      `maxBodyBytes must be an integer in [${MAX_BODY_BYTES_MIN}, ${MAX_BODY_BYTES_MAX}], got ${String(maxBodyBytes)}`,
    );
  }
  if (options.services.length === 0) throw new RangeError('services must name at least one AwsService');
  return maxBodyBytes;
}
