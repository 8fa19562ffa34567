// Where Firehose delivery objects go. Delivery builds a complete object (the buffered records,
// compressed) and hands it to one sink: a local directory in the S3 layout (dir-sink.ts) or an S3
// endpoint (s3-sink.ts). Both store an object whole or not at all, so a caller that retries after
// a rejection never leaves a reader a truncated object under the final key.

/**
 * What Firehose sets on every object it writes (FIREHOSE-FACTS 1.7): Content-Type is always
 * `application/octet-stream`; Content-Encoding is `gzip`, `zip`, `snappy-java` or `hadoop-snappy`
 * for the compressed formats, absent for UNCOMPRESSED.
 */
export interface ObjectMeta {
  contentType: string;
  contentEncoding?: string | undefined;
}

export interface ObjectSink {
  /** Where objects go, for logs and errors: 'directory /x/y' or 'S3 endpoint http://...' */
  readonly description: string;
  /**
   * Stores one complete object. Resolves once it is durable and visible whole (never half-written);
   * rejects with an Error saying what failed (the caller retries with backoff, so a failure must
   * leave nothing behind that a reader could mistake for the object). Bodies up to ~200 MiB.
   */
  put(bucket: string, key: string, body: Uint8Array, meta: ObjectMeta): Promise<void>;
  /** Removes what a crash left of puts into `bucket` (a directory's temp files); how many. Sinks without such leftovers have none. */
  sweep?(bucket: string): Promise<number>;
  /** True for a sink that holds any key S3 takes (an S3 server); a directory does not. */
  readonly holdsAnyKey?: boolean;
  /** Why the sink could never hold an object under this bucket and key, or undefined (checked when a delivery stream is configured). */
  problem(bucket: string, key: string): string | undefined;
  /** Waits for puts in flight, then refuses new ones and releases what the sink holds. */
  close(): Promise<void>;
}

/** A put that can never succeed as is (a bucket or key the sink cannot hold): the caller should not retry it. */
export class SinkInputError extends Error {
  override readonly name = 'SinkInputError';
}

/** The sink is closed (the server is shutting down): nothing was stored, and nothing should be given up. */
export class SinkClosedError extends Error {
  override readonly name = 'SinkClosedError';
}

/**
 * Tracks the puts in flight so close() can wait for them: one entry per concurrent caller, so the
 * set is bounded by the callers, not by the sink.
 */
export class InFlight {
  #closed = false;
  readonly #running = new Set<Promise<unknown>>();

  /** Runs `task`, or rejects without running it once close() has begun. */
  run<T>(what: string, task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new SinkClosedError(`${what}: the sink is closed`));
    const p = task();
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.#running.add(settled);
    void settled.then(() => this.#running.delete(settled));
    return p;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#running);
  }
}

// S3 bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
// 3-63 characters; lowercase letters, digits, dots and hyphens; a letter or digit at each end; no
// two adjacent periods; not an IPv4 address; no reserved prefix or suffix.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const RESERVED_BUCKET = /^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|--x-s3|--table-s3)$/;

/** Why `bucket` is not a valid S3 bucket name, or undefined when it is. */
export function bucketProblem(bucket: string): string | undefined {
  if (!BUCKET.test(bucket)) return 'an S3 bucket name is 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (bucket.includes('..')) return 'an S3 bucket name has no two adjacent periods';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'an S3 bucket name is not an IP address';
  if (RESERVED_BUCKET.test(bucket)) return 'S3 reserves that prefix or suffix for bucket names';
  return undefined;
}
