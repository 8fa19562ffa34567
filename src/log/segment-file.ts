/**
 * One segment file of a durable shard log, as its FileLog sees it: a summary kept in memory, the
 * sparse index (kept in memory for the file being written; loaded from `<name>.idx` on demand, and
 * dropped again, for sealed files), and reads of records from any offset in bounded chunks, so a
 * read never loads a whole segment.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSegmentHeader, FRAME_HEADER_BYTES, PAYLOAD_FIXED_BYTES, scanFrames, SEGMENT_HEADER_BYTES, type ScannedRecord, type SegmentScan } from './segment-codec.js';
import { INDEX_SUFFIX, SparseIndex, type SegmentSummary } from './sparse-index.js';
import { DATA_FILE_MODE } from './data-dir.js';
import { fdCache, type FdHolder } from './fd-cache.js';

export const SEGMENT_SUFFIX = '.seg';
/** Bytes read per pread while scanning (more when one record is larger). */
const READ_CHUNK_BYTES = 1 << 20;

/** A segment holds a record that fails its checks: reads that reach it fail with InternalFailure. */
export class LogCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogCorruptError';
  }
}

/**
 * Where disk reads put the bytes they return: one buffer per thread (each shard owner is one), handed
 * out front to back during a read and reset at the start of the next, so serving reads from disk
 * does not allocate a buffer per read. Records read from disk are views into it, valid until the
 * next read on this thread; the owner copies them into its reply first.
 */
let scratch = Buffer.allocUnsafe(4 << 20);
let scratchUsed = 0;

export function resetReadScratch(): void {
  scratchUsed = 0;
}

function takeScratch(n: number): Buffer {
  if (scratchUsed + n > scratch.length) {
    // Views handed out earlier keep the old buffer alive until they are dropped.
    scratch = Buffer.allocUnsafe(Math.max(scratch.length, n));
    scratchUsed = 0;
  }
  const out = scratch.subarray(scratchUsed, scratchUsed + n);
  scratchUsed += n;
  return out;
}

/** `00000000000000000100.seg` → `00000000000000000100.idx` (beside it). */
export function indexPathOf(segmentPath: string): string {
  return segmentPath.slice(0, -SEGMENT_SUFFIX.length) + INDEX_SUFFIX;
}

/** `00000000000000000100.seg` → 100. */
export function baseSeqOf(name: string): number {
  return Number(name.slice(0, -SEGMENT_SUFFIX.length));
}

export function segmentName(firstSeq: number): string {
  return String(firstSeq).padStart(20, '0') + SEGMENT_SUFFIX;
}

export function emptySummary(firstSeq: number, bytes = SEGMENT_HEADER_BYTES): SegmentSummary {
  return { bytes, records: 0, firstSeq, lastSeq: firstSeq - 1, firstArrivalMs: 0, lastArrivalMs: 0 };
}

export class SegmentFile implements FdHolder {
  /** For disk reads; opened on demand and closed when the thread's descriptor cache needs room (fd-cache.ts). */
  private readFd = -1;
  /** Set when recovery found damage past `summary.bytes`: a read that gets there fails. */
  corrupt: string | null = null;

  constructor(
    readonly dir: string,
    readonly name: string,
    /** For the file being written: what is committed so far (FileLog updates it). */
    public summary: SegmentSummary,
    public index: SparseIndex | null,
  ) {}

  get path(): string {
    return join(this.dir, this.name);
  }

  /** The first counter this file was created for (its name). */
  get baseSeq(): number {
    return baseSeqOf(this.name);
  }

  /** Writes the index next to the segment (atomically: a temporary file renamed over it). */
  saveIndex(): void {
    if (this.index === null) return;
    const path = indexPathOf(this.path);
    writeFileSync(path + '.tmp', this.index.encode(this.summary), { mode: DATA_FILE_MODE });
    renameSync(path + '.tmp', path);
  }

  /**
   * The index, loading it from its file if it is not in memory. A file that has gone bad since
   * start is rebuilt from the segment (a scan of the whole file; rare).
   */
  loadIndex(): SparseIndex {
    if (this.index !== null) return this.index;
    const loaded = readIndexFile(indexPathOf(this.path));
    if (typeof loaded !== 'string' && loaded.summary.bytes === this.summary.bytes) {
      this.index = loaded.index;
      return loaded.index;
    }
    this.index = rebuildIndex(this.path, this.summary.firstSeq - 1).index;
    return this.index;
  }

  /** Frees what reading cached: the read descriptor and (unless it is being written) the index. */
  release(keepIndex: boolean): void {
    this.closeFd();
    fdCache().closed(this);
    if (!keepIndex) this.index = null;
  }

  /** FdHolder: the read descriptor is closed; the next read reopens it. */
  closeFd(): void {
    const fd = this.readFd;
    this.readFd = -1; // first: see FileLog.closeFd
    if (fd !== -1) closeSync(fd);
  }

  remove(): void {
    this.release(false);
    unlinkSync(this.path);
    try {
      unlinkSync(indexPathOf(this.path));
    } catch {
      // No index file yet (the segment was still being written when it expired).
    }
  }

  /**
   * Visits the file's committed records in order from byte `offset` (a record boundary: the header
   * end or an index entry), reading a chunk at a time, until `visit` returns false or the records
   * end. Throws LogCorruptError at a record that fails its checks, or at the end of a file whose
   * tail is known to be damaged.
   */
  visit(offset: number, visit: (r: ScannedRecord, buf: Uint8Array) => boolean): void {
    const cache = fdCache();
    cache.use(this);
    if (this.readFd === -1) {
      try {
        this.readFd = openSync(this.path, 'r');
      } catch (err) {
        cache.closed(this);
        throw err;
      }
    }
    const end = this.summary.bytes;
    let at = offset;
    let chunk = READ_CHUNK_BYTES;
    while (at < end) {
      const buf = takeScratch(Math.min(end - at, chunk));
      readFully(this.readFd, buf, at);
      let stopped = false;
      const scan = scanFrames(
        buf,
        0,
        (r) => {
          if (visit(r, buf)) return true;
          stopped = true;
          return false;
        },
        -1,
        -Infinity,
        at,
      );
      if (stopped) return;
      if (scan.problem !== null) {
        // Cut short by the chunk's end is expected; anything else, or a cut at the file's end, is damage.
        if (!scan.short || at + buf.length >= end) throw new LogCorruptError(`segment ${this.name}: ${scan.problem}`);
        if (scan.end === 0) chunk = buf.length >= FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES + buf.readUInt32LE(0) : FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES;
        else chunk = READ_CHUNK_BYTES;
      }
      at += scan.end;
    }
    if (this.corrupt !== null) throw new LogCorruptError(this.corrupt);
  }
}

function readFully(fd: number, buf: Uint8Array, position: number): void {
  for (let got = 0; got < buf.length; ) {
    const n = readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) throw new LogCorruptError(`segment file ended at byte ${position + got}, before its committed length`);
    got += n;
  }
}

export function readIndexFile(path: string): ReturnType<typeof SparseIndex.decode> {
  try {
    return SparseIndex.decode(readFileSync(path));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no index file' : `index file unreadable (${(err as Error).message})`;
  }
}

/**
 * Where scans of whole files (recovery, an index rebuilt) read: one buffer per thread, reused from
 * chunk to chunk and file to file. A buffer per file would be a fresh allocation of up to 64 MiB
 * per segment, whose new pages the kernel zeroes first: on the 2-core development VM that took as
 * long as checking the records (bench/recovery.mjs). Grows only for a record larger than a chunk
 * (to at most the largest frame, PAYLOAD_MAX_BYTES), keeping the bytes it holds, for that scan.
 */
let scanBuffer = new Uint8Array(0);

function scanBufferOf(bytes: number, keep: number): Uint8Array {
  if (scanBuffer.length < bytes) {
    const grown = new Uint8Array(Math.max(bytes, READ_CHUNK_BYTES));
    grown.set(scanBuffer.subarray(0, keep));
    scanBuffer = grown;
  }
  return scanBuffer;
}

/**
 * Scans a whole segment file a chunk at a time, calling `onRecord` for each valid record in order
 * with the buffer holding it (valid only during the call) and the buffer's offset in the file, and
 * stops at the first invalid record: numbered at or below `afterSeq` or below the one before it,
 * failing its CRC-32C, or cut short by the end of the file (a torn tail). The file is read front
 * to back, each byte once: a record cut by a chunk's end is moved to the buffer's start and the
 * rest read after it. Reading again from that record's start instead made the reads overlap, and
 * from a cold page cache that scan took two to three times as long (readahead no longer kept up).
 */
export function scanSegmentFile(path: string, afterSeq: number, onRecord: (r: ScannedRecord, buf: Uint8Array, base: number) => void): { scan: SegmentScan; fileBytes: number } {
  const fd = openSync(path, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    const scan: SegmentScan = { goodBytes: 0, records: 0, firstSeq: null, lastSeq: null, lastArrivalMs: null, problem: null };
    let buf = scanBufferOf(READ_CHUNK_BYTES, 0);
    let base = 0; // the file offset of buf[0]
    let have = 0; // bytes of the file in buf[0, have)
    let lastArrivalMs = -Infinity;
    for (;;) {
      const want = Math.min(buf.length - have, fileBytes - base - have);
      readFully(fd, buf.subarray(have, have + want), base + have);
      have += want;
      const view = buf.subarray(0, have);
      let from = 0;
      if (base === 0) {
        scan.problem = checkSegmentHeader(view.subarray(0, SEGMENT_HEADER_BYTES));
        if (scan.problem !== null) break;
        from = SEGMENT_HEADER_BYTES;
      }
      const at = base;
      const frames = scanFrames(view, from, (r) => onRecord(r, view, at), scan.lastSeq ?? afterSeq, lastArrivalMs, base);
      if (frames.records > 0) {
        scan.records += frames.records;
        scan.firstSeq ??= frames.firstSeq;
        scan.lastSeq = frames.lastSeq;
        lastArrivalMs = scan.lastArrivalMs = frames.lastArrivalMs as number;
      }
      scan.goodBytes = base + frames.end;
      const atEnd = base + have >= fileBytes;
      // Cut short by the chunk's end is a cue to read on; anything else, or a cut at the file's
      // end, is where the good records end.
      if (frames.problem !== null && (!frames.short || atEnd)) {
        scan.problem = frames.problem;
        break;
      }
      if (atEnd) break;
      buf.copyWithin(0, frames.end, have);
      base += frames.end;
      have -= frames.end;
      // A record larger than the buffer: make room for all of it.
      if (have >= FRAME_HEADER_BYTES) buf = scanBufferOf(FRAME_HEADER_BYTES + new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, true), have);
    }
    return { scan, fileBytes };
  } finally {
    closeSync(fd);
    if (scanBuffer.length > READ_CHUNK_BYTES) scanBuffer = new Uint8Array(0); // no owner keeps a 10 MiB buffer for one record
  }
}

/** Scans a whole segment file and indexes it: what recovery does for a segment without a usable index. */
export function rebuildIndex(path: string, afterSeq: number, onRecord?: (r: ScannedRecord, buf: Uint8Array) => void): {
  index: SparseIndex;
  scan: SegmentScan;
  fileBytes: number;
} {
  const index = new SparseIndex();
  const { scan, fileBytes } = scanSegmentFile(path, afterSeq, (r, buf, base) => {
    index.offer(r.seq, r.arrivalMs, base + r.keyOffset - PAYLOAD_FIXED_BYTES - FRAME_HEADER_BYTES);
    onRecord?.(r, buf);
  });
  return { index, scan, fileBytes };
}
