/**
 * A shard's durable log: append-only segment files in the shard's directory (framing in
 * segment-codec.ts), each with a sparse index (sparse-index.ts). Written only by the shard's owner
 * thread.
 *
 * Appends are staged; the owner calls commit() (write the staged frames) and sync() (fdatasync)
 * before it publishes the acknowledgements of the messages that appended them: a record is
 * acknowledged only once it is on disk (--fsync always|group) or written to the OS (never).
 *
 * Reads: the newest records (up to `hotBytes`) are also kept in a MemoryLog and served from it;
 * older ones are read from the files in bounded chunks, found through the sparse index. Memory per
 * shard is the hot tail, the index of the file being written, and a few cached indexes and read
 * descriptors, however much is retained on disk.
 *
 * Segment files roll at `segmentBytes` or when the first record is `segmentMs` old. Retention moves
 * the trim horizon record by record (reads and seeks never see an expired record) and deletes
 * whole files whose newest record has expired (never the file being written: it carries the
 * counter on across a restart).
 *
 * Recovery when a log is opened is in recovery.ts. Damage inside a sealed segment is found by
 * the CRC check of the read that reaches it: that read fails (InternalFailure) and the owner
 * reports which segment and byte.
 */
import { closeSync, constants, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../config.js';
import { ChunkPool, CHUNK_BYTES } from './chunk-pool.js';
import { MemoryLog } from './memory-log.js';
import type { LogRecord, ReadResult, ShardLog } from './shard-log.js';
import { native } from '../native/index.js';
import { frameBytes, segmentHeader, SEGMENT_HEADER_BYTES } from './segment-codec.js';
import { SparseIndex } from './sparse-index.js';
import { emptySummary, LogCorruptError, resetReadScratch, SegmentFile, segmentName } from './segment-file.js';
import { recoverSegments, type Recovery } from './recovery.js';
import { DATA_DIR_MODE, DATA_FILE_MODE } from './data-dir.js';
import { fdCache, type FdHolder } from './fd-cache.js';

export { LogCorruptError } from './segment-file.js';
export type { Recovery } from './recovery.js';

export interface FileLogOptions {
  /** A new segment file starts once the current one has this many bytes. */
  segmentBytes: number;
  /** ...or once its first record is this old (by arrival time). */
  segmentMs: number;
  /** Bytes of the newest records kept in memory to serve reads (rounded up to whole 1 MiB blocks, at least 2). */
  hotBytes: number;
  /** Where the hot tail's blocks come from (default: the thread's pool). */
  pool?: ChunkPool;
  /**
   * Whether closing the tail's descriptor to make room (fd-cache.ts) fdatasyncs what it wrote first
   * (default true): --fsync never says false, as it syncs nothing.
   */
  syncOnClose?: boolean;
}

/** A new segment file: created empty (again, if a roll that failed half-way left one), appended to. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND;
/** The tail file reopened after its descriptor was closed to make room. */
const REOPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND;

/** The server's defaults (--segment-bytes, --segment-ms, --hot-bytes), for logs opened without options. */
const defaults = defaultConfig();
export const DEFAULT_FILE_LOG_OPTIONS: FileLogOptions = { segmentBytes: defaults.segmentBytes, segmentMs: defaults.segmentMs, hotBytes: defaults.hotBytes };

/** Sealed segments whose index or read descriptor stay cached per shard. */
const MAX_OPEN_SEALED = 8;

/**
 * Where commits frame records before writing them: one buffer per thread (each owner is one),
 * reused, so committing does not touch fresh memory every time.
 */
let staging = Buffer.allocUnsafe(1 << 20);

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class FileLog implements ShardLog, FdHolder {
  private readonly mem: MemoryLog;
  /** Oldest first; the last is the one being written. */
  private readonly files: SegmentFile[] = [];
  /** Sealed files with a cached index or descriptor, least recently used first. */
  private readonly cached: SegmentFile[] = [];
  /** The tail file's descriptor for appends (-1: closed, reopened by the next commit), open on `fdName`. */
  private fd = -1;
  private fdName = '';
  private readonly maxMemSegments: number;
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
  /** One past the newest record's counter (staged ones included). */
  private nextCounter = 0;
  /** First counter retention has not trimmed, and that record's arrival (-Infinity: none retained). */
  private horizonSeq = 0;
  private horizonArrivalMs = -Infinity;
  /** The first record a disk read saw but did not return: answers the arrivalAt() that follows. */
  private peekSeq = -1;
  private peekArrivalMs = 0;

  private constructor(
    readonly dir: string,
    private readonly options: FileLogOptions,
  ) {
    this.mem = new MemoryLog(options.pool);
    this.maxMemSegments = Math.max(2, Math.ceil(options.hotBytes / CHUNK_BYTES));
  }

  /** Opens (creating or recovering: recovery.ts) the log in `dir`. */
  static open(dir: string, options: FileLogOptions = DEFAULT_FILE_LOG_OPTIONS): { log: FileLog; recovery: Recovery } {
    const log = new FileLog(dir, options);
    const { files, recovery, tailFd } = recoverSegments(dir, (r, buf) => {
      log.mem.append(r.seq, r.arrivalMs, buf, r.keyOffset, r.keyLen, r.dataLen);
      log.mem.evictHead(log.maxMemSegments, Infinity);
    });
    log.files.push(...files);
    if (tailFd !== -1) {
      fdCache().use(log);
      log.fd = tailFd;
      log.fdName = (files[files.length - 1] as SegmentFile).name;
    }
    log.nextCounter = recovery.nextSeq;
    log.horizonSeq = files[0]?.summary.firstSeq ?? 0;
    log.horizonArrivalMs = files[0]?.summary.records ? files[0].summary.firstArrivalMs : -Infinity;
    return { log, recovery };
  }

  append(seq: number, arrivalMs: number, src: Uint8Array, offset: number, keyLen: number, dataLen: number): void {
    const at = this.reserve(seq, arrivalMs, keyLen, dataLen);
    this.mem.tailArena.set(src.subarray(offset, offset + keyLen + dataLen), at);
  }

  reserve(seq: number, arrivalMs: number, keyLen: number, dataLen: number): number {
    if (this.mem.segmentCount >= this.maxMemSegments) {
      this.mem.evictHead(this.maxMemSegments - 1, this.stagedCount > 0 ? (this.staged[4] as number) : Infinity);
    }
    const at = this.mem.reserve(seq, arrivalMs, keyLen, dataLen);
    this.stage(seq, arrivalMs, this.mem.tailArena, at, keyLen, dataLen);
    this.nextCounter = seq + 1;
    return at;
  }

  get tailArena(): Uint8Array {
    return this.mem.tailArena;
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
   * segment file, rolling to a new file first when the current one is full or old. Throws on a
   * disk error; the owner then stops rather than acknowledge records that are not written.
   */
  commit(): void {
    const count = this.stagedCount;
    if (count === 0) return;
    const staged = this.staged;
    const firstSeq = staged[4] as number;
    const firstArrivalMs = staged[5] as number;
    let file = this.files[this.files.length - 1];
    try {
      if (
        file === undefined ||
        file.summary.bytes >= this.options.segmentBytes ||
        (file.summary.records > 0 && firstArrivalMs - file.summary.firstArrivalMs >= this.options.segmentMs)
      ) {
        file = this.roll(firstSeq);
      } else {
        this.openTail(file);
      }
    } catch (err) {
      if (!this.vanished(err)) throw err;
      // Made again, with what is staged in a new segment: the stream may still exist (its files
      // removed by hand); if it was deleted, its DELETE_SHARD removes this too, or the next start.
      mkdirSync(this.dir, { recursive: true, mode: DATA_DIR_MODE });
      file = this.roll(firstSeq);
    }
    if (staging.length < this.stagedBytes) staging = Buffer.allocUnsafe(Math.max(this.stagedBytes, 2 * staging.length));
    const out = staging;
    const framed = native.frameRecords(out, staged, count, this.stagedArenas);
    try {
      for (let written = 0; written < framed; ) written += writeSync(this.fd, out, written, framed - written);
    } catch (err) {
      // ENOSPC, EIO...: nothing of this commit counts. The records stay staged for the owner to
      // commit again; the bytes that did get written are cut off now (so a full disk gets back the
      // room they took while the owner waits) and again when the tail is reopened.
      try {
        ftruncateSync(this.fd, file.summary.bytes);
      } catch {
        // the reopen cuts them
      }
      this.dropTail();
      throw err;
    }
    const summary = file.summary;
    const index = file.index as SparseIndex;
    for (let i = 0, pos = summary.bytes; i < count; i++) {
      const m = 6 * i;
      index.offer(staged[m + 4] as number, staged[m + 5] as number, pos);
      pos += frameBytes(staged[m + 2] as number, staged[m + 3] as number);
    }
    if (summary.records === 0) {
      summary.firstSeq = firstSeq;
      summary.firstArrivalMs = firstArrivalMs;
    }
    summary.bytes += framed;
    summary.records += count;
    summary.lastSeq = staged[6 * (count - 1) + 4] as number;
    summary.lastArrivalMs = staged[6 * (count - 1) + 5] as number;
    this.stagedCount = 0;
    this.stagedArenas.length = 0;
    this.lastArena = null;
    this.stagedBytes = 0;
    this.unsynced = true;
  }

  /**
   * Whether `err` says the shard's directory is gone (its stream deleted while its owner could
   * not write, as DeleteStream does not wait for a held owner; or removed by hand). Its files are
   * then forgotten: reads of what they held find nothing on disk, and what is in memory stays.
   */
  private vanished(err: unknown): boolean {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || existsSync(this.dir)) return false;
    for (const file of this.files) file.release(false);
    this.files.length = 0;
    this.cached.length = 0;
    if (this.fd !== -1) this.dropTail();
    return true;
  }

  /**
   * The descriptor whose fdatasync makes what commit() wrote durable, or -1 when nothing is
   * unsynced: an owner syncs all its dirty logs' descriptors at once (native.fdatasyncAll), then
   * calls markSynced().
   */
  get unsyncedFd(): number {
    return this.unsynced ? this.fd : -1;
  }

  markSynced(): void {
    this.unsynced = false;
  }

  /** fdatasync of the current segment, if anything was written since the last one. */
  sync(): void {
    if (!this.unsynced || this.fd === -1) return;
    fdatasyncSync(this.fd);
    this.unsynced = false;
  }

  /**
   * FdHolder: closes the tail's descriptor (the thread's descriptor cache needs room), syncing first
   * what it wrote unless --fsync never; the next commit reopens it.
   */
  closeFd(): void {
    if (this.fd === -1) return;
    if (this.unsynced && this.options.syncOnClose !== false) {
      try {
        fdatasyncSync(this.fd);
      } catch (err) {
        // Never retried (what it should have made durable may be gone): the owner stops.
        throw new Error(`fdatasync of ${this.dir} failed: ${(err as Error).message}`);
      }
    }
    this.unsynced = false;
    const fd = this.fd;
    // -1 first: a close that throws must not leave a number the next open may reuse.
    this.fd = -1;
    closeSync(fd);
  }

  /** Closes the tail's descriptor without syncing (a failed write: see commit). */
  private dropTail(): void {
    const fd = this.fd;
    this.fd = -1;
    fdCache().closed(this);
    try {
      closeSync(fd);
    } catch {
      // Closing can only fail for a descriptor that is already gone.
    }
  }

  /**
   * The tail file's descriptor, reopened if it was closed, and the file cut back to what was
   * committed (a failed write may have left part of a frame after it).
   */
  private openTail(file: SegmentFile): void {
    const cache = fdCache();
    if (this.fd !== -1 && this.fdName === file.name) return cache.use(this);
    if (this.fd !== -1) this.dropTail(); // open on a file a failed roll began
    cache.use(this);
    try {
      const fd = openSync(join(this.dir, file.name), REOPEN_FLAGS);
      this.fd = fd;
      this.fdName = file.name;
      ftruncateSync(fd, file.summary.bytes);
    } catch (err) {
      if (this.fd !== -1) this.dropTail();
      else cache.closed(this);
      throw err;
    }
  }

  /**
   * Seals the current file (synced, closed, index saved) and starts one whose first record is
   * `firstSeq`. Safe to call again after it failed part-way (EMFILE, ENOSPC): the new file is
   * created afresh and joins the log only once its header is durable.
   */
  private roll(firstSeq: number): SegmentFile {
    const old = this.files[this.files.length - 1];
    const cache = fdCache();
    this.closeFd();
    cache.closed(this);
    old?.saveIndex();
    const name = segmentName(firstSeq);
    cache.use(this);
    try {
      this.fd = openSync(join(this.dir, name), CREATE_FLAGS, DATA_FILE_MODE);
    } catch (err) {
      cache.closed(this);
      throw err;
    }
    this.fdName = name;
    const header = segmentHeader();
    for (let written = 0; written < header.length; ) written += writeSync(this.fd, header, written, header.length - written);
    fsyncSync(this.fd);
    syncDir(this.dir); // the new file's directory entry must survive a crash too
    const index = new SparseIndex();
    index.nextDue = SEGMENT_HEADER_BYTES;
    const file = new SegmentFile(this.dir, name, emptySummary(firstSeq), index);
    this.files.push(file);
    // Sealed now: its index and read descriptor join the bounded cache (least recently used go).
    if (old !== undefined) this.cache(old);
    return file;
  }

  /** Marks a sealed file as recently used; frees the caches of the least recently used beyond the limit. */
  private cache(file: SegmentFile): void {
    if (file === this.files[this.files.length - 1]) return;
    const at = this.cached.indexOf(file);
    if (at !== -1) this.cached.splice(at, 1);
    this.cached.push(file);
    if (this.cached.length > MAX_OPEN_SEALED) (this.cached.shift() as SegmentFile).release(false);
  }

  read(fromSeq: number, limit: number, maxBytes: number): ReadResult {
    resetReadScratch();
    const from = Math.max(fromSeq, this.horizonSeq);
    const memFirst = this.mem.firstSeq() ?? this.nextCounter;
    const records: LogRecord[] = [];
    let bytes = 0;
    this.peekSeq = -1;
    if (from < memFirst) {
      let full = false;
      const collect = (seq: number, arrivalMs: number, buf: Uint8Array, keyOffset: number, keyLen: number, dataLen: number): boolean => {
        if (seq >= memFirst) return false;
        const size = keyLen + dataLen;
        if (records.length >= limit || (records.length > 0 && bytes + size > maxBytes)) {
          this.peekSeq = seq;
          this.peekArrivalMs = arrivalMs;
          full = true;
          return false;
        }
        records.push({ seq, arrivalMs, key: buf.subarray(keyOffset, keyOffset + keyLen), data: buf.subarray(keyOffset + keyLen, keyOffset + size) });
        bytes += size;
        return true;
      };
      try {
        this.visitFrom(from, 'seq', collect);
      } catch (err) {
        // Damage on disk: the records before it are served; the read that starts at it fails.
        if (records.length === 0 || !(err instanceof LogCorruptError)) throw err;
        full = true;
        // The damaged record's arrival is unknown; the last good one's is the closest known to it.
        const last = records[records.length - 1] as LogRecord;
        this.peekSeq = last.seq + 1;
        this.peekArrivalMs = last.arrivalMs;
      }
      if (full) return { records, nextSeq: (records[records.length - 1] as LogRecord).seq + 1, bytes };
    }
    if (records.length >= limit) return { records, nextSeq: (records[records.length - 1] as LogRecord).seq + 1, bytes };
    return this.mem.read(Math.max(from, memFirst), limit, maxBytes, records, bytes);
  }

  seekTime(timeMs: number): number | null {
    resetReadScratch();
    const found = this.seekTimeAll(timeMs);
    if (found === null || found >= this.horizonSeq) return found;
    return this.horizonSeq < this.nextCounter ? this.horizonSeq : null;
  }

  /** First record (trimmed or not) that arrived at or after timeMs. */
  private seekTimeAll(timeMs: number): number | null {
    const memFirstArrival = this.mem.firstArrivalMs();
    if (memFirstArrival === null || memFirstArrival < timeMs) {
      const inMem = this.mem.seekTime(timeMs);
      if (inMem !== null || memFirstArrival !== null) return inMem;
    }
    let found: number | null = null;
    this.visitFrom(timeMs, 'time', (seq, arrivalMs) => {
      if (arrivalMs < timeMs) return true;
      found = seq;
      return false;
    });
    return found ?? this.mem.seekTime(timeMs);
  }

  arrivalAt(seq: number): number | null {
    if (seq === this.peekSeq) return this.peekArrivalMs;
    const memFirst = this.mem.firstSeq();
    if (memFirst !== null && seq >= memFirst) return this.mem.arrivalAt(seq);
    let found: number | null = null;
    this.visitFrom(Math.max(seq, this.horizonSeq), 'seq', (_s, arrivalMs) => {
      found = arrivalMs;
      return false;
    });
    return found ?? this.mem.arrivalAt(seq);
  }

  /**
   * Visits committed records on disk in order, starting at the first with counter >= `value`
   * ('seq') or arrival >= `value` ('time'), until `visit` returns false or the files end.
   */
  private visitFrom(
    value: number,
    by: 'seq' | 'time',
    visit: (seq: number, arrivalMs: number, buf: Uint8Array, keyOffset: number, keyLen: number, dataLen: number) => boolean,
  ): void {
    let f = this.fileFor(value, by);
    if (f === -1) return;
    let go = true;
    for (; f < this.files.length && go; f++) {
      const file = this.files[f] as SegmentFile;
      if (file.summary.records === 0) {
        if (file.corrupt !== null) throw new LogCorruptError(file.corrupt);
        continue;
      }
      this.cache(file);
      const index = file.loadIndex();
      const offset = by === 'seq' ? index.offsetForSeq(value, SEGMENT_HEADER_BYTES) : index.offsetForTime(value, SEGMENT_HEADER_BYTES);
      file.visit(offset, (r, buf) => {
        if (by === 'seq' ? r.seq < value : r.arrivalMs < value) return true;
        go = visit(r.seq, r.arrivalMs, buf, r.keyOffset, r.keyLen, r.dataLen);
        return go;
      });
      by = 'seq';
      value = -1; // every record of the files after the first
    }
  }

  /** Index of the first file whose last record reaches `value` (counter or arrival), or -1. */
  private fileFor(value: number, by: 'seq' | 'time'): number {
    let lo = 0;
    let hi = this.files.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = (this.files[mid] as SegmentFile).summary;
      // Both columns ascend across files (an empty file's lastSeq is below its first counter).
      if ((by === 'seq' ? s.lastSeq : s.lastArrivalMs) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.files.length ? lo : -1;
  }

  /**
   * Moves the trim horizon to the first record that arrived at or after `cutoffMs` and deletes
   * whole files (never the one being written) whose records all arrived before it.
   */
  trimBefore(cutoffMs: number): void {
    try {
      this.trimFiles(cutoffMs);
    } catch (err) {
      if (!this.vanished(err)) throw err;
    }
  }

  private trimFiles(cutoffMs: number): void {
    resetReadScratch();
    if (this.horizonArrivalMs < cutoffMs) {
      const memFirstArrival = this.mem.firstArrivalMs();
      let horizon: number | null;
      if (memFirstArrival !== null && memFirstArrival < cutoffMs) {
        horizon = this.mem.seekTime(cutoffMs); // the horizon is in the hot tail: no disk access
      } else {
        try {
          horizon = this.seekTimeAll(cutoffMs);
        } catch (err) {
          if (!(err instanceof LogCorruptError)) throw err;
          // Damage where the horizon should be: it moves at least to the first file that still
          // holds unexpired records (expired ones before the damage in that file stay readable).
          const keep = this.fileFor(cutoffMs, 'time');
          horizon = keep === -1 ? null : (this.files[keep] as SegmentFile).summary.firstSeq;
        }
      }
      this.horizonSeq = Math.max(this.horizonSeq, horizon ?? this.nextCounter);
      this.horizonArrivalMs = horizon === null ? -Infinity : (this.mem.arrivalAt(horizon) ?? this.arrivalOnDisk(horizon));
    }
    this.mem.trimBefore(cutoffMs);
    while (this.files.length > 1 && (this.files[0] as SegmentFile).summary.lastArrivalMs < cutoffMs) {
      const file = this.files[0] as SegmentFile;
      file.remove(); // first: a file that cannot be deleted now stays listed, and the next trim tries again
      this.files.shift();
      const at = this.cached.indexOf(file);
      if (at !== -1) this.cached.splice(at, 1);
    }
  }

  /** The arrival of the record at `seq` read from disk, or -Infinity when it cannot be read. */
  private arrivalOnDisk(seq: number): number {
    try {
      return this.arrivalAt(seq) ?? -Infinity;
    } catch (err) {
      if (err instanceof LogCorruptError) return -Infinity;
      throw err;
    }
  }

  /** The shard is deleted: close the files and remove the shard's directory. */
  dispose(): void {
    this.mem.dispose();
    for (const file of this.files) file.release(false);
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
    fdCache().closed(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** For tests and diagnostics: memory blocks the hot tail holds, and sealed files with cached state. */
  get memoryFootprint(): { hotSegments: number; cachedFiles: number; files: number } {
    return { hotSegments: this.mem.segmentCount, cachedFiles: this.cached.length, files: this.files.length };
  }
}
