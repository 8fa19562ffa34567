// ETags for files that carry no stored metadata.
//
// S3 gives an object uploaded in one part the MD5 of its bytes as ETag, and a multipart upload an
// MD5 over its parts' MD5s followed by '-<part count>', which clients know not to compare with the
// MD5 of the bytes (the AWS CLI uploads anything above 8 MiB in parts). A listing answers an ETag
// for each of up to 1,000 objects, so hashing every object would read every byte it lists:
// objects up to ETAG_MD5_BYTES_MAX get the MD5 of their bytes, computed on first use and cached by
// file, inode, size and mtime; larger ones a multipart-style ETag made from that identity, stable
// while the file is unchanged (Firehose renames every object into place, so a new object is a new
// inode). The stored metadata (.riffle-meta) holds no ETag. At 64 KiB, one listing page of 1,000
// objects reads at most 64 MiB to hash, once (then from the cache).
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';

export const ETAG_MD5_BYTES_MAX = 64 * 1024;
/** Cached content MD5s, least recently used dropped first. */
const CACHE_ENTRIES_MAX = 10_000;

export class ETags {
  private readonly cache = new Map<string, { stamp: string; etag: Promise<string> }>();

  /** The quoted ETag of `file` as `stat` describes it; an open `handle` on it is read instead of opening it. */
  of(file: string, stat: Stats, handle?: FileHandle): Promise<string> {
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (stat.size > ETAG_MD5_BYTES_MAX) return Promise.resolve(`"${md5(Buffer.from(stamp))}-1"`);
    const hit = this.cache.get(file);
    if (hit !== undefined && hit.stamp === stamp) {
      this.cache.delete(file); // most recently used goes last
      this.cache.set(file, hit);
      return hit.etag;
    }
    const etag = contentMd5(file, stat.size, handle).then((hex) => `"${hex}"`);
    const entry = { stamp, etag };
    this.cache.delete(file);
    this.cache.set(file, entry);
    if (this.cache.size > CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value as string);
    // A failed read is not remembered.
    etag.catch(() => this.cache.get(file) === entry && this.cache.delete(file));
    return etag;
  }
}

async function contentMd5(file: string, size: number, handle?: FileHandle): Promise<string> {
  const own = handle === undefined ? await open(file, constants.O_RDONLY | constants.O_NOFOLLOW) : undefined;
  try {
    const h = (handle ?? own) as FileHandle;
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await h.read(buf, at, size - at, at);
      if (bytesRead === 0) break; // truncated meanwhile: the MD5 of what is there
      at += bytesRead;
    }
    return md5(buf.subarray(0, at));
  } finally {
    await own?.close();
  }
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}
