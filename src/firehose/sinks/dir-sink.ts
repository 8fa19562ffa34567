// A local directory in the S3 layout: object `key` of `bucket` is the file `<root>/<bucket>/<key>`,
// each `/` in the key a directory, so `ls`, `zcat` and a read-only S3 front end can serve it.
//
// Names starting with `.riffle-` are Riffle's own and never objects (keys using them are refused),
// so an S3 listing of this layout must skip every entry whose name starts with RESERVED_PREFIX
// (isReservedName). There are two kinds:
// - `.riffle-tmp-<uuid>`: a file being written. A put writes the body there, fsyncs it, and renames
//   it over the final name (rename(2) replaces the name atomically: a reader opens the old file or
//   the new one, never a mix), then fsyncs the directory so the rename survives a crash. Each new
//   parent directory's entry is fsynced too. A failed put unlinks its temp file; after a crash one
//   can stay behind, still under its temp name. It is never visible as an object.
// - `.riffle-meta/`: one per directory that holds objects. `.riffle-meta/<name>` holds the object's
//   metadata as JSON, `{"contentType":"application/octet-stream","contentEncoding":"gzip"}`. The
//   Content-Encoding can't be derived from the key: Firehose names both Snappy variants `.snappy`
//   but labels them `snappy-java` or `hadoop-snappy` (FIREHOSE-FACTS 1.7). Extended attributes
//   would keep it on the file itself, but Node has no API for them and not every filesystem keeps
//   them. readObjectMeta() reads the sidecar; a file with none (copied in by hand) is served as
//   application/octet-stream with no Content-Encoding.
//   The sidecar is renamed into place before the object, so a new object is never visible without
//   its metadata. When a key is replaced, a reader can briefly see the old body with the new
//   metadata. Firehose never does this: its keys end in a random id, and a retry of the same key
//   carries the same metadata. A put that fails after placing the sidecar removes it unless an
//   object is there; after a crash a sidecar may name no file, and readers ignore it.
// A failed put may leave new, empty directories. They hold no object (real S3 has no empty
// prefixes), so a listing should show only directories that hold objects.
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Piscina } from 'piscina';
import type { StoreTask } from './dir-sink-worker.js';
import { metaPathOf, RESERVED_PREFIX, type StoreOutcome } from './dir-store.js';
import { bucketProblem, InFlight, SinkInputError, type ObjectMeta, type ObjectSink } from './sink.js';

/** Threads storing objects (each fsync blocks one); puts beyond them wait their turn in the pool's queue. */
const STORE_THREADS = 2;
// Beside this file in dist/, as the compression pool finds its worker.
const WORKER_URL = new URL('./dir-sink-worker.js', import.meta.url);

export { META_DIR, RESERVED_PREFIX, TEMP_PREFIX } from './dir-store.js';

/** True for an entry an S3 listing of the layout must skip (temp files, metadata directories). */
export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX);
}

const KEY_BYTES_MAX = 1024; // S3's limit on a key, in UTF-8 bytes
const NAME_BYTES_MAX = 255; // NAME_MAX: the longest name a Linux filesystem takes for one segment
// A header value a front end can send back as is: printable ASCII, no leading space.
const HEADER_VALUE = /^[\x21-\x7e][\x20-\x7e]*$/;


/**
 * Why `key` cannot be stored as a file under the bucket's directory, or undefined when it can.
 * Beyond S3's own rules (1-1024 bytes), every `/`-separated segment must be a file name that stays
 * inside the bucket: not empty (no leading, doubled or trailing `/`), not `.` or `..`, no NUL, at
 * most 255 bytes, and not Riffle's own (RESERVED_PREFIX).
 */
export function keyProblem(key: string): string | undefined {
  const bytes = Buffer.byteLength(key);
  if (bytes === 0 || bytes > KEY_BYTES_MAX) return `a key is 1-${KEY_BYTES_MAX} bytes of UTF-8 (this one is ${bytes})`;
  if (key.includes('\0')) return 'a key stored as a file has no NUL character';
  if (key.startsWith('/')) return 'a key stored as a file does not start with "/" (it would be an absolute path)';
  for (const segment of key.split('/')) {
    if (segment === '') return 'a key stored as a file has no empty segment (no doubled or trailing "/")';
    if (segment === '.' || segment === '..') return `a key stored as a file has no "${segment}" segment`;
    if (Buffer.byteLength(segment) > NAME_BYTES_MAX) return `each "/"-separated segment of a key stored as a file is at most ${NAME_BYTES_MAX} bytes`;
    if (isReservedName(segment)) return `segments starting with "${RESERVED_PREFIX}" are reserved for Riffle's own files`;
  }
  return undefined;
}

/** `<root>/<bucket>/<key>`, after checking the names cannot reach outside `<root>/<bucket>`. */
export function objectPath(root: string, bucket: string, key: string): string {
  const problem = bucketProblem(bucket) ?? keyProblem(key);
  if (problem !== undefined) throw new SinkInputError(`bad object name s3://${bucket}/${key}: ${problem}`);
  const bucketDir = join(resolve(root), bucket);
  const path = join(bucketDir, key);
  if (!path.startsWith(bucketDir + sep)) throw new Error(`assertion failed: ${path} is outside ${bucketDir}`);
  return path;
}

/**
 * The metadata stored with an object of the layout, or undefined when there is none: serve the
 * object as application/octet-stream without Content-Encoding. Throws on a bad bucket or key
 * (SinkInputError) and on a sidecar that is not Riffle's JSON.
 */
export async function readObjectMeta(root: string, bucket: string, key: string): Promise<ObjectMeta | undefined> {
  const file = metaPathOf(objectPath(root, bucket, key));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const { contentType, contentEncoding } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof contentType !== 'string' || !(contentEncoding === undefined || typeof contentEncoding === 'string')) {
    throw new Error(`${file}: not the metadata Riffle writes ({"contentType": string, "contentEncoding"?: string})`);
  }
  return contentEncoding === undefined ? { contentType } : { contentType, contentEncoding };
}

export class DirSink implements ObjectSink {
  readonly root: string;
  readonly description: string;
  readonly #inFlight = new InFlight();
  #pool: Piscina<StoreTask, StoreOutcome | number> | null = null;

  problem(bucket: string, key: string): string | undefined {
    return bucketProblem(bucket) ?? keyProblem(key);
  }

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `directory ${this.root}`;
  }

  put(bucket: string, key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    return this.#inFlight.run(`storing s3://${bucket}/${key} in ${this.description}`, () => this.#put(bucket, key, body, meta));
  }

  async #put(bucket: string, key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    const path = objectPath(this.root, bucket, key);
    for (const [name, value] of [['contentType', meta.contentType], ['contentEncoding', meta.contentEncoding]] as const) {
      if (value !== undefined && !HEADER_VALUE.test(value)) throw new SinkInputError(`s3://${bucket}/${key}: ${name} ${JSON.stringify(value)} is not a header value (printable ASCII)`);
    }
    const stored = meta.contentEncoding === undefined ? { contentType: meta.contentType } : { contentType: meta.contentType, contentEncoding: meta.contentEncoding };
    // The body is copied to the worker, not moved: a caller retrying a failed put sends it again.
    const pool = this.#workers();
    // A view on part of a larger buffer would send all of that buffer: send only its bytes.
    const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
    const outcome = (await pool.run({ root: this.root, path, body: own, metaJson: JSON.stringify(stored) })) as StoreOutcome;
    if (outcome.ok) return;
    // A conflict (a key that is also another's prefix, or a stray file where a directory goes) is
    // retried like any failure: someone may move the file, and nothing acknowledged is given up early.
    const hint = outcome.conflict ? ' (in a directory layout a key cannot be both an object and the prefix of another key, nor go where a file is)' : '';
    throw new Error(`storing s3://${bucket}/${key} in ${this.description} failed: ${outcome.message}${hint}`);
  }

  #workers(): Piscina<StoreTask, StoreOutcome | number> {
    this.#pool ??= new Piscina<StoreTask, StoreOutcome | number>({ filename: WORKER_URL.href, minThreads: 1, maxThreads: STORE_THREADS, idleTimeout: 10_000, workerData: { riffle: 'dir-sink' } });
    return this.#pool;
  }

  /**
   * Removes what a crash left of puts in `bucket`'s directory (`.riffle-tmp-*` files older than
   * now), in a worker thread; resolves with how many. A bad bucket name removes nothing.
   */
  sweep(bucket: string): Promise<number> {
    if (bucketProblem(bucket) !== undefined) return Promise.resolve(0);
    return this.#inFlight.run(`sweeping ${this.description}/${bucket}`, async () => (await this.#workers().run({ sweep: join(this.root, bucket), beforeMs: Date.now() })) as number);
  }

  async close(): Promise<void> {
    await this.#inFlight.close();
    await this.#pool?.close();
  }
}
