/**
 * A shard's durable log: append-only segment files in the shard's directory (framing in
 * segment-codec.ts), with every retained record also kept in a MemoryLog that serves reads.
 * Written only by the shard's owner thread.
 *
 * Appends are staged; the owner calls commit() (write the staged frames) and sync() (fdatasync)
 * before it publishes the acknowledgements of the messages that appended them: a record is
 * acknowledged only once it is on disk (--fsync always|group) or written to the OS (never).
 * Segment files roll at SEGMENT_FILE_BYTES; retention deletes whole files whose newest record is
 * older than the cutoff. open() recovers: it scans every segment, truncates a torn tail of the
 * newest, and refuses to go past corruption in an older one (the shard then reports it).
 */
import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryLog } from './memory-log.js';
import type { ReadResult, ShardLog } from './shard-log.js';
import { native } from '../native/index.js';
import { frameBytes, scanSegment, segmentHeader, SEGMENT_HEADER_BYTES } from './segment-codec.js';

export const SEGMENT_FILE_BYTES = 64 * 1024 * 1024;
const SEGMENT_SUFFIX = '.seg';

interface SegmentFile {
  name: string;
  firstSeq: number;
  lastArrivalMs: number;
}

/** What open() found and did, for the start-up report. */
export interface Recovery {
  records: number;
  segments: number;
  nextSeq: number;
  lastArrivalMs: number;
  truncatedBytes: number;
  /** Human-readable repairs and problems, empty when the shard was clean. */
  notes: string[];
  /** Set when an older segment is corrupt: the shard must not accept or serve records. */
  corrupt: string | null;
}

/**
 * Where commits frame records before writing them: one buffer per thread (each owner is one),
 * reused, so committing does not touch fresh memory every time.
 */
let staging = Buffer.allocUnsafe(1 << 20);

function fileName(firstSeq: number): string {
  return String(firstSeq).padStart(20, '0') + SEGMENT_SUFFIX;
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class FileLog implements ShardLog {
  private readonly mem = new MemoryLog();
  private readonly files: SegmentFile[] = [];
  private fd = -1;
  private fileBytes = 0;
  /**
   * Staged appends, in order, as native frameRecords reads them: per record (arena index, offset,
   * key length, data length, counter, arrival ms); the arenas are the memory log's segment arenas.
   */
  private staged = new Float64Array(6 * 1024);
  private stagedCount = 0;
  private readonly stagedArenas: Uint8Array[] = [];
  private lastArena: Uint8Array | null = null;
  private stagedBytes = 0;
  private unsynced = false;

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
  ) {}

  /** Opens (creating or recovering) the log in `dir`; new segment files start past `segmentBytes`. */
  static open(dir: string, segmentBytes = SEGMENT_FILE_BYTES): { log: FileLog; recovery: Recovery } {
    mkdirSync(dir, { recursive: true });
    const log = new FileLog(dir, segmentBytes);
    const recovery: Recovery = { records: 0, segments: 0, nextSeq: 0, lastArrivalMs: 0, truncatedBytes: 0, notes: [], corrupt: null };
    const names = readdirSync(dir)
      .filter((n) => n.endsWith(SEGMENT_SUFFIX))
      .sort();
    let lastSeq = -1;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const path = join(dir, name);
      const bytes = readFileSync(path);
      const scan = scanSegment(
        bytes,
        (r) => log.mem.append(r.seq, r.arrivalMs, bytes, r.keyOffset, r.keyLen, r.dataLen),
        lastSeq,
      );
      const newest = i === names.length - 1;
      if (scan.problem !== null && !newest) {
        recovery.corrupt = `segment ${name} is corrupt at byte ${scan.goodBytes} (${scan.problem}); ${names.length - 1 - i} newer segment(s) not read`;
        recovery.notes.push(recovery.corrupt);
        recovery.records += scan.records;
        if (scan.lastSeq !== null) lastSeq = scan.lastSeq;
        break;
      }
      if (scan.problem !== null) {
        // The newest segment's tail was being written when the process died: cut it off.
        const fd = openSync(path, 'r+');
        try {
          ftruncateSync(fd, Math.max(scan.goodBytes, SEGMENT_HEADER_BYTES));
          if (scan.goodBytes < SEGMENT_HEADER_BYTES) writeSync(fd, segmentHeader(), 0, SEGMENT_HEADER_BYTES, 0);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        recovery.truncatedBytes += bytes.length - scan.goodBytes;
        recovery.notes.push(`segment ${name}: truncated ${bytes.length - scan.goodBytes} byte(s) after the last good record (${scan.problem})`);
      }
      recovery.records += scan.records;
      recovery.segments++;
      if (scan.lastSeq !== null) lastSeq = scan.lastSeq;
      if (scan.lastArrivalMs !== null) recovery.lastArrivalMs = scan.lastArrivalMs;
      log.files.push({ name, firstSeq: scan.firstSeq ?? lastSeq + 1, lastArrivalMs: scan.lastArrivalMs ?? 0 });
      if (newest) {
        log.fd = openSync(path, 'a');
        log.fileBytes = Math.max(scan.goodBytes, SEGMENT_HEADER_BYTES);
      }
    }
    recovery.nextSeq = lastSeq + 1;
    return { log, recovery };
  }

  get recordCount(): number {
    return this.mem.recordCount;
  }
  get byteCount(): number {
    return this.mem.byteCount;
  }
  get lastArrivalMs(): number {
    return this.mem.lastArrivalMs;
  }
  get tailArena(): Uint8Array {
    return this.mem.tailArena;
  }

  append(seq: number, arrivalMs: number, src: Uint8Array, offset: number, keyLen: number, dataLen: number): void {
    const at = this.reserve(seq, arrivalMs, keyLen, dataLen);
    this.mem.tailArena.set(src.subarray(offset, offset + keyLen + dataLen), at);
  }

  reserve(seq: number, arrivalMs: number, keyLen: number, dataLen: number): number {
    const at = this.mem.reserve(seq, arrivalMs, keyLen, dataLen);
    this.stage(seq, arrivalMs, this.mem.tailArena, at, keyLen, dataLen);
    return at;
  }

  private stage(seq: number, arrivalMs: number, arena: Uint8Array, offset: number, keyLen: number, dataLen: number): void {
    if (arena !== this.lastArena) {
      this.stagedArenas.push(arena);
      this.lastArena = arena;
    }
    if (this.staged.length < 6 * (this.stagedCount + 1)) {
      const grown = new Float64Array(this.staged.length * 2);
      grown.set(this.staged);
      this.staged = grown;
    }
    const m = 6 * this.stagedCount++;
    this.staged[m] = this.stagedArenas.length - 1;
    this.staged[m + 1] = offset;
    this.staged[m + 2] = keyLen;
    this.staged[m + 3] = dataLen;
    this.staged[m + 4] = seq;
    this.staged[m + 5] = arrivalMs;
    this.stagedBytes += frameBytes(keyLen, dataLen);
  }

  /**
   * Writes every staged record (their bytes are in the memory log's arenas by now) to the current
   * segment file, rolling to a new file first when the current one is full. Throws on a disk
   * error; the owner then stops rather than acknowledge records that are not written.
   */
  commit(): void {
    const count = this.stagedCount;
    if (count === 0) return;
    if (this.fd === -1 || this.fileBytes >= this.segmentBytes) this.roll(this.staged[4] as number, this.staged[5] as number);
    if (staging.length < this.stagedBytes) staging = Buffer.allocUnsafe(Math.max(this.stagedBytes, 2 * staging.length));
    const out = staging;
    const framed = native.frameRecords(out, this.staged, count, this.stagedArenas);
    for (let written = 0; written < framed; ) written += writeSync(this.fd, out, written, framed - written);
    this.fileBytes += framed;
    const newest = this.files[this.files.length - 1] as SegmentFile;
    newest.lastArrivalMs = this.staged[6 * (count - 1) + 5] as number;
    this.stagedCount = 0;
    this.stagedArenas.length = 0;
    this.lastArena = null;
    this.stagedBytes = 0;
    this.unsynced = true;
  }

  /** fdatasync of the current segment, if anything was written since the last one. */
  sync(): void {
    if (!this.unsynced || this.fd === -1) return;
    fdatasyncSync(this.fd);
    this.unsynced = false;
  }

  /** Starts a new segment file whose first record is `firstSeq` (the old one is synced and closed). */
  private roll(firstSeq: number, arrivalMs: number): void {
    if (this.fd !== -1) {
      this.sync();
      closeSync(this.fd);
    }
    const name = fileName(firstSeq);
    this.fd = openSync(join(this.dir, name), 'a');
    writeSync(this.fd, segmentHeader());
    fsyncSync(this.fd);
    syncDir(this.dir); // the new file's directory entry must survive a crash too
    this.fileBytes = SEGMENT_HEADER_BYTES;
    this.files.push({ name, firstSeq, lastArrivalMs: arrivalMs });
  }

  read(fromSeq: number, limit: number, maxBytes: number): ReadResult {
    return this.mem.read(fromSeq, limit, maxBytes);
  }
  seekTime(timeMs: number): number | null {
    return this.mem.seekTime(timeMs);
  }
  arrivalAt(seq: number): number | null {
    return this.mem.arrivalAt(seq);
  }

  /** Trims the memory log, and deletes whole segment files (never the one being written) whose records are all older. */
  trimBefore(cutoffMs: number): number {
    const removed = this.mem.trimBefore(cutoffMs);
    while (this.files.length > 1 && (this.files[0] as SegmentFile).lastArrivalMs < cutoffMs) {
      unlinkSync(join(this.dir, (this.files.shift() as SegmentFile).name));
    }
    return removed;
  }

  /** The shard is deleted: close the file and remove the shard's directory. */
  dispose(): void {
    this.mem.dispose();
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.dir, { recursive: true, force: true });
  }

}
