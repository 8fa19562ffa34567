import type { LogRecord, ReadResult, ShardLog } from './shard-log.js';

const SEGMENT_RECORDS = 4096;
const SEGMENT_ARENA_BYTES = 1 << 20;

/**
 * A sealed-or-open run of records sharing one byte arena (key then data, back to back), with
 * parallel typed arrays for the per-record fields: one allocation per segment, not per record.
 * Retention frees whole segments; `start` hides trimmed records at the head of the first one.
 */
class Segment {
  readonly seqs = new Float64Array(SEGMENT_RECORDS);
  readonly arrivals = new Float64Array(SEGMENT_RECORDS);
  readonly offsets = new Uint32Array(SEGMENT_RECORDS + 1);
  readonly keyLengths = new Uint16Array(SEGMENT_RECORDS);
  readonly arena: Uint8Array;
  count = 0;
  start = 0;

  constructor(arenaBytes: number) {
    this.arena = new Uint8Array(arenaBytes);
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
      seg = new Segment(Math.max(SEGMENT_ARENA_BYTES, size));
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

  read(fromSeq: number, limit: number, maxBytes: number): ReadResult {
    const records: LogRecord[] = [];
    let bytes = 0;
    let nextSeq = fromSeq;
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
      if (seg.start === seg.count && this.segments.length > 1) this.segments.shift();
      else break;
    }
    this.records -= removed;
    return removed;
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
