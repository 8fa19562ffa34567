/**
 * A segment file's sparse index: one entry (sequence counter, arrival ms, byte offset) for the
 * first record at or past every INDEX_INTERVAL_BYTES of the file, so a read by counter or by time
 * seeks to within one interval of its record and scans forward from there.
 *
 * A sealed segment's index is also written next to it (`00000000000000000100.seg` gets
 * `00000000000000000100.idx`):
 *
 *   "RIFFLIDX" | u32 version = 1 | u32 entry count
 *   | f64 segment bytes covered | f64 records | f64 first counter | f64 last counter
 *   | f64 first arrival ms | f64 last arrival ms                                        (64 bytes)
 *   | entries: f64 counter | f64 arrival ms | f64 offset                           (24 bytes each)
 *   | u32 CRC-32C of everything before it
 *
 * An index file is only a cache of what the segment holds: a missing, damaged or stale one (its
 * covered size is not the segment's size) is rebuilt from the segment at start.
 */
import { native } from '../native/index.js';

export const INDEX_INTERVAL_BYTES = 64 * 1024;
export const INDEX_SUFFIX = '.idx';
const MAGIC = 'RIFFLIDX';
const VERSION = 1;
const HEADER_BYTES = 64;
const ENTRY_BYTES = 24;

/** What a sealed segment holds, kept in memory for every segment (a few dozen bytes each). */
export interface SegmentSummary {
  bytes: number;
  records: number;
  firstSeq: number;
  lastSeq: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

export class SparseIndex {
  private seqs = new Float64Array(64);
  private arrivals = new Float64Array(64);
  private offsets = new Float64Array(64);
  count = 0;
  /** Where the next entry is due: the first record starting at or past this offset gets one. */
  nextDue = 0;

  add(seq: number, arrivalMs: number, offset: number): void {
    if (this.count === this.seqs.length) {
      this.seqs = grow(this.seqs);
      this.arrivals = grow(this.arrivals);
      this.offsets = grow(this.offsets);
    }
    this.seqs[this.count] = seq;
    this.arrivals[this.count] = arrivalMs;
    this.offsets[this.count] = offset;
    this.count++;
    this.nextDue = offset + INDEX_INTERVAL_BYTES;
  }

  /** Offers a record about to be written at `offset`; indexes it when an entry is due. */
  offer(seq: number, arrivalMs: number, offset: number): void {
    if (offset >= this.nextDue) this.add(seq, arrivalMs, offset);
  }

  /** Offset to scan from for the first record with counter >= seq: the last entry at or before it. */
  offsetForSeq(seq: number, fallback: number): number {
    const i = lastBelow(this.seqs, this.count, seq + 1);
    return i < 0 ? fallback : (this.offsets[i] as number);
  }

  /**
   * Offset to scan from for the first record that arrived at or after timeMs: the last entry that
   * arrived before it (records arriving in the same millisecond may sit before an entry).
   */
  offsetForTime(timeMs: number, fallback: number): number {
    const i = lastBelow(this.arrivals, this.count, timeMs);
    return i < 0 ? fallback : (this.offsets[i] as number);
  }

  encode(summary: SegmentSummary): Buffer {
    const out = Buffer.alloc(HEADER_BYTES + this.count * ENTRY_BYTES + 4);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(VERSION, 8);
    out.writeUInt32LE(this.count, 12);
    const fields = [summary.bytes, summary.records, summary.firstSeq, summary.lastSeq, summary.firstArrivalMs, summary.lastArrivalMs];
    fields.forEach((v, i) => out.writeDoubleLE(v, 16 + 8 * i));
    for (let i = 0; i < this.count; i++) {
      const at = HEADER_BYTES + i * ENTRY_BYTES;
      out.writeDoubleLE(this.seqs[i] as number, at);
      out.writeDoubleLE(this.arrivals[i] as number, at + 8);
      out.writeDoubleLE(this.offsets[i] as number, at + 16);
    }
    const end = out.length - 4;
    out.writeUInt32LE(native.crc32c(out.subarray(0, end)), end);
    return out;
  }

  /** The index and summary in an index file's bytes, or the reason they cannot be used. */
  static decode(buf: Buffer): { index: SparseIndex; summary: SegmentSummary } | string {
    if (buf.length < HEADER_BYTES + 4 || buf.toString('latin1', 0, 8) !== MAGIC || buf.readUInt32LE(8) !== VERSION) return 'not an index file';
    const count = buf.readUInt32LE(12);
    if (buf.length !== HEADER_BYTES + count * ENTRY_BYTES + 4) return 'index file has the wrong size';
    const end = buf.length - 4;
    if (native.crc32c(buf.subarray(0, end)) !== buf.readUInt32LE(end)) return 'index file fails its CRC-32C';
    const f = (i: number) => buf.readDoubleLE(16 + 8 * i);
    const summary: SegmentSummary = { bytes: f(0), records: f(1), firstSeq: f(2), lastSeq: f(3), firstArrivalMs: f(4), lastArrivalMs: f(5) };
    const index = new SparseIndex();
    for (let i = 0; i < count; i++) {
      const at = HEADER_BYTES + i * ENTRY_BYTES;
      index.add(buf.readDoubleLE(at), buf.readDoubleLE(at + 8), buf.readDoubleLE(at + 16));
    }
    return { index, summary };
  }

  /** Arrival time of entry i. */
  arrivalAt(i: number): number {
    return this.arrivals[i] as number;
  }

  /** Bytes this index holds in memory. */
  get memoryBytes(): number {
    return this.seqs.length * 24;
  }
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Index of the last of column[0, count) (ascending) that is < value, or -1. */
function lastBelow(column: Float64Array, count: number, value: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((column[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
