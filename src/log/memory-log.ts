import type { LogRecord, ReadResult, ShardLog } from './shard-log.js';

import { ChunkPool, CHUNK_BYTES } from './chunk-pool.js';

const SEGMENT_RECORDS = 8192;
/** Per-record columns at the start of a segment's memory: seqs, arrivals (f64), offsets (u32, one extra), key lengths (u16). */
const INDEX_BYTES = align8(SEGMENT_RECORDS * 8 * 2 + (SEGMENT_RECORDS + 1) * 4 + SEGMENT_RECORDS * 2);
/** Record bytes a pooled segment holds; a larger record gets a segment of its own. */
const POOLED_ARENA_BYTES = CHUNK_BYTES - INDEX_BYTES;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Chunks for this thread's logs (each shard owner is its own thread, with its own pool). */
const threadPool = new ChunkPool();

/**
 * A sealed-or-open run of records sharing one memory block: parallel columns for the per-record
 * fields, then a byte arena (key then data, back to back). One block per segment, not an
 * allocation per record; blocks come from the thread's ChunkPool and go back to it when retention
 * frees the segment. `start` hides trimmed records at the head of the first segment.
 */
class Segment {
  readonly seqs: Float64Array;
  readonly arrivals: Float64Array;
  readonly offsets: Uint32Array;
  readonly keyLengths: Uint16Array;
  readonly arena: Uint8Array;
  count = 0;
  start = 0;

  /** `block`: INDEX_BYTES of columns, then the arena. */
  constructor(readonly block: Uint8Array) {
    const { buffer, byteOffset } = block;
    let at = byteOffset;
    this.seqs = new Float64Array(buffer, at, SEGMENT_RECORDS);
    at += SEGMENT_RECORDS * 8;
    this.arrivals = new Float64Array(buffer, at, SEGMENT_RECORDS);
    at += SEGMENT_RECORDS * 8;
    this.offsets = new Uint32Array(buffer, at, SEGMENT_RECORDS + 1);
    at += (SEGMENT_RECORDS + 1) * 4;
    this.keyLengths = new Uint16Array(buffer, at, SEGMENT_RECORDS);
    this.arena = block.subarray(INDEX_BYTES);
    this.offsets[0] = 0; // a recycled block holds stale columns; offsets[count] must start at 0
  }

  static create(pool: ChunkPool, recordBytes: number): Segment {
    const chunk = recordBytes <= POOLED_ARENA_BYTES ? pool.take() : null;
    return new Segment(chunk ?? new Uint8Array(INDEX_BYTES + Math.max(POOLED_ARENA_BYTES, recordBytes)));
  }

  fits(bytes: number): boolean {
    return this.count < SEGMENT_RECORDS && (this.offsets[this.count] as number) + bytes <= this.arena.length;
  }

  /** First index in [start, count) whose value in `column` (seqs or arrivals, both ascending) is >= value, or count. */
  lowerBound(column: Float64Array, value: number): number {
    let lo = this.start;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((column[mid] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  record(i: number): LogRecord {
    const off = this.offsets[i] as number;
    const keyEnd = off + (this.keyLengths[i] as number);
    return {
      seq: this.seqs[i] as number,
      arrivalMs: this.arrivals[i] as number,
      key: this.arena.subarray(off, keyEnd),
      data: this.arena.subarray(keyEnd, this.offsets[i + 1] as number),
    };
  }

  bytesOf(i: number): number {
    return (this.offsets[i + 1] as number) - (this.offsets[i] as number);
  }
}

/** Short copies byte by byte (no view object per record); longer ones with set(). */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n <= 64) {
    for (let i = 0; i < n; i++) dst[at + i] = src[from + i] as number;
  } else {
    dst.set(src.subarray(from, from + n), at);
  }
}

export class MemoryLog implements ShardLog {
  private segments: Segment[] = [];

  constructor(private readonly pool: ChunkPool = threadPool) {}

  private records = 0;
  private bytes = 0;
  private lastArrival = 0;
  private tail: Uint8Array = new Uint8Array(0);

  get recordCount(): number {
    return this.records;
  }
  get byteCount(): number {
    return this.bytes;
  }
  get lastArrivalMs(): number {
    return this.lastArrival;
  }

  append(seq: number, arrivalMs: number, src: Uint8Array, offset: number, keyLen: number, dataLen: number): void {
    const at = this.reserve(seq, arrivalMs, keyLen, dataLen);
    copyBytes(this.tailArena, at, src, offset, keyLen + dataLen);
  }

  reserve(seq: number, arrivalMs: number, keyLen: number, dataLen: number): number {
    const size = keyLen + dataLen;
    let seg = this.segments[this.segments.length - 1];
    if (seg === undefined || !seg.fits(size)) {
      seg = Segment.create(this.pool, size);
      this.segments.push(seg);
      this.tail = seg.arena;
    }
    const i = seg.count;
    const off = seg.offsets[i] as number;
    seg.seqs[i] = seq;
    seg.arrivals[i] = arrivalMs;
    seg.keyLengths[i] = keyLen;
    seg.offsets[i + 1] = off + size;
    seg.count = i + 1;
    this.records++;
    this.bytes += size;
    this.lastArrival = arrivalMs;
    return off;
  }

  get tailArena(): Uint8Array {
    return this.tail;
  }

  /**
   * `records`/`bytes`: what a caller already has for this read (a durable log's older records from
   * disk); the limits count them, and only a read that has none yet must return a record.
   */
  read(fromSeq: number, limit: number, maxBytes: number, records: LogRecord[] = [], bytes = 0): ReadResult {
    let nextSeq = records.length > 0 ? (records[records.length - 1] as LogRecord).seq + 1 : fromSeq;
    let s = this.segmentForSeq(fromSeq);
    if (s === -1) return { records, nextSeq, bytes };
    const first = this.segments[s] as Segment;
    let i = first.lowerBound(first.seqs, fromSeq);
    for (; s < this.segments.length; s++, i = (this.segments[s]?.start ?? 0)) {
      const seg = this.segments[s] as Segment;
      for (; i < seg.count; i++) {
        const size = seg.bytesOf(i);
        // Always return at least one record, so a large record can never stall a reader.
        if (records.length >= limit || (records.length > 0 && bytes + size > maxBytes)) {
          return { records, nextSeq, bytes };
        }
        const rec = seg.record(i);
        records.push(rec);
        bytes += size;
        nextSeq = rec.seq + 1;
      }
    }
    return { records, nextSeq, bytes };
  }

  seekTime(timeMs: number): number | null {
    for (let s = this.firstSegmentReaching('arrivals', timeMs); s < this.segments.length; s++) {
      const seg = this.segments[s] as Segment;
      const i = seg.lowerBound(seg.arrivals, timeMs);
      if (i < seg.count) return seg.seqs[i] as number;
    }
    return null;
  }

  arrivalAt(seq: number): number | null {
    const s = this.segmentForSeq(seq);
    if (s === -1) return null;
    const seg = this.segments[s] as Segment;
    const i = seg.lowerBound(seg.seqs, seq);
    return i < seg.count ? (seg.arrivals[i] as number) : null;
  }

  trimBefore(cutoffMs: number): number {
    let removed = 0;
    while (this.segments.length > 0) {
      const seg = this.segments[0] as Segment;
      const end = seg.lowerBound(seg.arrivals, cutoffMs);
      for (let i = seg.start; i < end; i++) this.bytes -= seg.bytesOf(i);
      removed += end - seg.start;
      seg.start = end;
      // A fully trimmed segment is freed unless it is the one still being appended to.
      if (seg.start === seg.count && this.segments.length > 1) this.pool.give((this.segments.shift() as Segment).block);
      else break;
    }
    this.records -= removed;
    return removed;
  }

  /** Counter of the first record held, or null when empty. */
  firstSeq(): number | null {
    for (const seg of this.segments) if (seg.start < seg.count) return seg.seqs[seg.start] as number;
    return null;
  }

  /** Arrival time of the first record held, or null when empty. */
  firstArrivalMs(): number | null {
    for (const seg of this.segments) if (seg.start < seg.count) return seg.arrivals[seg.start] as number;
    return null;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Frees the oldest segments, whole, until at most `keep` remain, never one holding a record at
   * or above `belowSeq` (records not yet on disk) and never the one being appended to. A durable log
   * keeps only its recent records in memory this way; it reads older ones from its files.
   */
  evictHead(keep: number, belowSeq: number): void {
    while (this.segments.length > Math.max(keep, 1)) {
      const seg = this.segments[0] as Segment;
      if (seg.count > 0 && (seg.seqs[seg.count - 1] as number) >= belowSeq) return;
      for (let i = seg.start; i < seg.count; i++) this.bytes -= seg.bytesOf(i);
      this.records -= seg.count - seg.start;
      this.pool.give(seg.block);
      this.segments.shift();
    }
  }

  dispose(): void {
    for (const seg of this.segments) this.pool.give(seg.block);
    this.segments = [];
    this.records = 0;
    this.bytes = 0;
  }

  /** Index of the first segment holding a retained record with seq >= `seq`, or -1. */
  private segmentForSeq(seq: number): number {
    let s = this.firstSegmentReaching('seqs', seq);
    // Only the head segment can be fully trimmed; skip it.
    while (s < this.segments.length && (this.segments[s] as Segment).start === (this.segments[s] as Segment).count) s++;
    return s < this.segments.length ? s : -1;
  }

  /**
   * Binary search for the first segment whose last value in `column` is >= value (or the segment
   * count). Both columns ascend across segments: sequence counters strictly, arrival times never
   * decreasing.
   */
  private firstSegmentReaching(column: 'seqs' | 'arrivals', value: number): number {
    let lo = 0;
    let hi = this.segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const seg = this.segments[mid] as Segment;
      if (seg.count === 0 || (seg[column][seg.count - 1] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
