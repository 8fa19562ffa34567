// The directory Firehose delivery writes in the S3 layout, `<s3Dir>/<bucket>/<key>`, read as S3
// buckets and objects. Nothing outside the directory is ever read: bucket names are S3's (no '.'
// or '..' segments), keys map to files segment by segment, symbolic links are neither listed nor
// followed, and a file is opened only if its real path is the path its bucket and key name.
//
// The layout's writer (src/firehose/sinks/dir-sink.ts, which this service does not import: the
// files are the contract) keeps names starting with '.riffle-' for itself: `.riffle-tmp-<uuid>`
// files being written (renamed into place when complete) and a `.riffle-meta/` directory beside
// the objects holding each one's metadata as JSON under its name, `{"contentType": ...,
// "contentEncoding"?: ...}`. Neither is ever an object.
import { lstat, open, readdir, realpath, type FileHandle } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import path from 'node:path';
import { S3Error, noSuchBucket, noSuchKey } from './errors.js';

/** Names the layout keeps for itself: files being written, metadata directories. */
export const RESERVED_PREFIX = '.riffle-';
/** Beside the objects of a directory: their metadata, one JSON file per object, same name. */
const META_DIR = '.riffle-meta';
/** A metadata file is a few dozen bytes; more is not one. */
const META_BYTES_MAX = 4096;
/** What a header value may hold: printable ASCII, as the writer checks it. */
const HEADER_VALUE = /^[\x21-\x7e][\x20-\x7e]*$/;

/** Names that are no key part. */
export function isHidden(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX);
}

/**
 * S3's bucket naming rules (general purpose buckets): 3-63 characters of lower-case letters,
 * digits, '.' and '-', starting and ending with a letter or digit, no '..', not an IP address.
 */
export function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/** An object opened for reading: its file handle (the caller closes it) and what fstat said. */
export interface OpenObject {
  handle: FileHandle;
  file: string;
  stat: Stats;
}

/** The metadata stored with an object. */
export interface ObjectMeta {
  contentType: string;
  contentEncoding?: string;
}

export interface BucketEntry {
  name: string;
  created: Date;
}

export class ObjectStore {
  readonly dir: string;

  /** dir may be relative (the default ./riffle-s3): resolved once, so every file has one name. */
  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** The buckets, in name order; none while the directory does not exist yet. */
  async buckets(): Promise<BucketEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir, { withFileTypes: true })).filter((d) => d.isDirectory() && isBucketName(d.name)).map((d) => d.name);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const buckets: BucketEntry[] = [];
    for (const name of names.sort()) {
      const stat = await lstat(path.join(this.dir, name)).catch(() => undefined);
      if (stat === undefined) continue; // removed meanwhile
      buckets.push({ name, created: new Date(stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.mtimeMs) });
    }
    return buckets;
  }

  /** The bucket's directory; InvalidBucketName or NoSuchBucket. */
  async bucketDir(bucket: string): Promise<string> {
    if (!isBucketName(bucket)) throw new S3Error('InvalidBucketName', { details: [['BucketName', bucket]] });
    const dir = path.join(this.dir, bucket);
    const stat = await lstat(dir).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    if (stat === undefined || !stat.isDirectory()) throw noSuchBucket(bucket);
    return dir;
  }

  /** Opens an object (bucket checked first, as S3 does); NoSuchBucket or NoSuchKey. */
  async open(bucket: string, key: string): Promise<OpenObject> {
    const bucketDir = await this.bucketDir(bucket);
    const segments = key.split('/');
    if (!segments.every(isKeySegment)) throw noSuchKey(key);
    const file = path.join(bucketDir, ...segments);
    // realpath resolves every link on the way; a file reached through one is not this key's file.
    const [real, root] = await Promise.all([realpath(file).catch(() => undefined), realpath(this.dir).catch(() => undefined)]);
    if (real === undefined || root === undefined || real !== path.join(root, bucket, ...segments)) throw noSuchKey(key);
    let handle: FileHandle;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') throw noSuchKey(key);
      throw err;
    }
    const stat = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    if (!stat.isFile()) {
      await handle.close();
      throw noSuchKey(key);
    }
    return { handle, file: real, stat };
  }
}

/**
 * The metadata stored beside an open object, or undefined when there is none (a file copied in by
 * hand, or written before metadata was kept) or it is not what the writer writes.
 */
export async function readObjectMeta(obj: OpenObject): Promise<ObjectMeta | undefined> {
  const dir = path.join(path.dirname(obj.file), META_DIR);
  let text: string;
  try {
    // Not through a link either: the metadata directory must be the real one.
    if ((await realpath(dir)) !== dir) return undefined;
    const handle = await open(path.join(dir, path.basename(obj.file)), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buf = Buffer.alloc(META_BYTES_MAX);
      const { bytesRead } = await handle.read(buf, 0, META_BYTES_MAX, 0);
      text = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { contentType, contentEncoding } = (parsed ?? {}) as Record<string, unknown>;
  const header = (v: unknown): v is string => typeof v === 'string' && HEADER_VALUE.test(v);
  if (!header(contentType) || !(contentEncoding === undefined || header(contentEncoding))) return undefined;
  return contentEncoding === undefined ? { contentType } : { contentType, contentEncoding };
}

/**
 * A key segment that can be a file name here. Keys S3 allows but this layout cannot hold ('a//b',
 * '../x', a NUL) name no object, so they are NoSuchKey, never a path outside the bucket.
 */
function isKeySegment(segment: string): boolean {
  return segment !== '' && segment !== '.' && segment !== '..' && !segment.includes('\0') && !isHidden(segment);
}

/** The file or directory is not there (any more), or cannot be there. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'EISDIR';
}
