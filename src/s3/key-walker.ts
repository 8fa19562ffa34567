// The keys of a bucket directory in S3's order (UTF-8 bytes of the whole key), walked lazily.
//
// A directory's entries are ordered by their names, a subdirectory's as its name + '/': every key
// under `d/` starts with `d/`, and no other entry of the same directory can sort between `d/` and
// those keys (a name holds no '/'), so a depth-first walk in that order yields the keys in order
// (`a-b` < `a/...` < `a0`: '-' 0x2D < '/' 0x2F < '0' 0x30).
//
// Memory is bounded however large a directory is: each open directory on the walk's path keeps at
// most DIR_BATCH entries, the smallest after the last one walked, chosen in one pass over the
// directory with a max-heap; the next batch takes another pass. Entries that cannot hold a key
// the listing wants (outside the prefix, before the bound) never take a place in a batch.
import { lstat, opendir } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { compareUtf8, isAfter, mayHaveAfter, type Bound } from './key-order.js';
import { isHidden, isMissing } from './object-store.js';

/** Entries held per open directory (by default). */
export const DIR_BATCH = 1024;

interface Entry {
  name: string;
  dir: boolean;
  /** name, or name + '/' for a directory: what orders the entries of one directory. */
  sortKey: string;
}

interface Frame {
  /** The directory on disk. */
  dir: string;
  /** The key prefix of its entries: '' for the bucket, 'a/b/' for <bucket>/a/b. */
  keyPrefix: string;
  batch: Entry[];
  at: number;
  /** The sortKey of the last entry taken from this directory, undefined before the first. */
  last: string | undefined;
  /** The last batch taken was not full: nothing is left after it. */
  done: boolean;
}

export interface WalkedKey {
  key: string;
  /** The file on disk. */
  file: string;
}

export class KeyWalker {
  private readonly stack: Frame[];

  /** Keys that start with `prefix` and come after `bound`, from the bucket directory `root`. */
  constructor(
    root: string,
    private readonly prefix: string,
    private bound: Bound,
    private readonly batchSize = DIR_BATCH,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    this.stack = [{ dir: root, keyPrefix: '', batch: [], at: 0, last: undefined, done: false }];
  }

  /**
   * Moves the bound forward (a CommonPrefix was rolled up: its keys are passed over). Bounds only
   * grow: the walk never goes back.
   */
  advance(bound: Bound): void {
    this.bound = bound;
  }

  /** The next key in order, or undefined when there are no more. */
  async next(): Promise<WalkedKey | undefined> {
    for (;;) {
      const frame = this.stack.at(-1);
      if (frame === undefined) return undefined;
      // A directory whose keys all lie before the (advanced) bound is left at once.
      if (frame.keyPrefix !== '' && !mayHaveAfter(frame.keyPrefix, this.bound)) {
        this.stack.pop();
        continue;
      }
      if (frame.at === frame.batch.length) {
        if (frame.done || !(await this.refill(frame))) {
          this.stack.pop();
          continue;
        }
      }
      const entry = frame.batch[frame.at++]!;
      frame.last = entry.sortKey;
      const key = frame.keyPrefix + entry.sortKey;
      if (!this.wanted(key, entry.dir)) continue; // the bound moved past it since the batch was taken
      const file = path.join(frame.dir, entry.name);
      if (!entry.dir) return { key, file };
      this.stack.push({ dir: file, keyPrefix: key, batch: [], at: 0, last: undefined, done: false });
    }
  }

  /** A file's key, or a directory's key prefix, that the listing may want. */
  private wanted(key: string, dir: boolean): boolean {
    if (!dir) return key.startsWith(this.prefix) && isAfter(key, this.bound);
    return (key.startsWith(this.prefix) || this.prefix.startsWith(key)) && mayHaveAfter(key, this.bound);
  }

  /** Takes the next batch of the frame's directory; false when nothing is left. */
  private async refill(frame: Frame): Promise<boolean> {
    const heap = new EntryHeap(this.batchSize);
    let dir;
    try {
      // Names as bytes: one that is not UTF-8 cannot be a key (see entryOf).
      dir = await opendir(frame.dir, { encoding: 'buffer' as BufferEncoding, bufferSize: 128 });
    } catch (err) {
      if (isMissing(err)) return false; // removed since it was listed
      throw err;
    }
    for await (const dirent of dir) {
      const entry = await entryOf(frame.dir, dirent);
      if (entry === undefined) continue;
      if (frame.last !== undefined && compareUtf8(entry.sortKey, frame.last) <= 0) continue;
      if (!this.wanted(frame.keyPrefix + entry.sortKey, entry.dir)) continue;
      heap.offer(entry);
    }
    frame.batch = heap.sorted();
    frame.at = 0;
    frame.done = frame.batch.length < this.batchSize;
    return frame.batch.length > 0;
  }
}

/** A directory entry as a key part, or undefined for what is never listed. */
async function entryOf(dir: string, dirent: Dirent): Promise<Entry | undefined> {
  const raw = dirent.name as unknown as Buffer;
  const name = raw.toString('utf8');
  if (!Buffer.from(name, 'utf8').equals(raw) || isHidden(name)) return undefined;
  let isDir = dirent.isDirectory();
  let isFile = dirent.isFile();
  // DT_UNKNOWN (some filesystems do not say): ask. Symbolic links are never followed.
  if (!isDir && !isFile && !dirent.isSymbolicLink()) {
    try {
      const stat = await lstat(path.join(dir, name));
      isDir = stat.isDirectory();
      isFile = stat.isFile();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }
  if (isDir) return { name, dir: true, sortKey: `${name}/` };
  if (isFile) return { name, dir: false, sortKey: name };
  return undefined;
}

/** The `capacity` smallest entries offered, by sortKey: a binary max-heap. */
class EntryHeap {
  private readonly items: Entry[] = [];

  constructor(private readonly capacity: number) {}

  offer(entry: Entry): void {
    const items = this.items;
    if (items.length < this.capacity) {
      items.push(entry);
      this.up(items.length - 1);
    } else if (compareUtf8(entry.sortKey, items[0]!.sortKey) < 0) {
      items[0] = entry;
      this.down(0);
    }
  }

  sorted(): Entry[] {
    return this.items.sort((a, b) => compareUtf8(a.sortKey, b.sortKey));
  }

  private up(i: number): void {
    const items = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareUtf8(items[i]!.sortKey, items[parent]!.sortKey) <= 0) return;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const items = this.items;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < items.length && compareUtf8(items[left]!.sortKey, items[largest]!.sortKey) > 0) largest = left;
      if (right < items.length && compareUtf8(items[right]!.sortKey, items[largest]!.sortKey) > 0) largest = right;
      if (largest === i) return;
      [items[i], items[largest]] = [items[largest]!, items[i]!];
      i = largest;
    }
  }
}
