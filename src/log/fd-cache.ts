/**
 * The open descriptors of one thread's segment files, at most a fixed number: a shard log opens
 * its files when it writes or reads them, and the least recently used are closed past the limit.
 * Without it each shard held its tail file open for good (and another for disk reads), so 10,000
 * shards took 20,000 descriptors and the next open anywhere in the process failed with EMFILE.
 *
 * One cache per thread (each shard owner is one thread, owning many logs), like the staging and
 * read buffers: the owner sets its share of --open-files at start (setOpenFilesLimit).
 */

/** Something that holds one descriptor the cache may ask it to close. */
export interface FdHolder {
  /** Close the descriptor now (syncing first whatever must be durable); the holder reopens it on its next use. */
  closeFd(): void;
}

/** A thread's share when nothing set one (unit tests, tools): small enough for any process. */
const DEFAULT_LIMIT = 256;

class FdCache {
  /** Holders with an open descriptor, least recently used first (a Map keeps insertion order). */
  private readonly open = new Map<FdHolder, true>();

  constructor(public limit: number) {}

  /**
   * `holder` is about to open a descriptor (or uses the one it has): it becomes the most recently
   * used, and the least recently used others are closed so that it fits.
   */
  use(holder: FdHolder): void {
    if (this.open.delete(holder)) return void this.open.set(holder, true);
    while (this.open.size >= this.limit) {
      const victim = this.open.keys().next().value as FdHolder;
      this.open.delete(victim);
      victim.closeFd();
    }
    this.open.set(holder, true);
  }

  /** `holder` closed its descriptor itself (or failed to open one). */
  closed(holder: FdHolder): void {
    this.open.delete(holder);
  }

  get size(): number {
    return this.open.size;
  }
}

const cache = new FdCache(DEFAULT_LIMIT);

export function fdCache(): FdCache {
  return cache;
}

/** This thread's share of --open-files (at least 4: a log writing while another reads). */
export function setOpenFilesLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`open files limit must be a positive integer, got ${limit}`);
  cache.limit = Math.max(4, limit);
}
