/**
 * The on-disk framing of a shard's segment files (docs/architecture.md, "Durable log").
 *
 *   file:   "RIFFLSEG" | u32 version = 1 | u32 0                                   (16 bytes)
 *   record: u32 payload length | u32 CRC-32C of the payload | payload
 *   payload: f64 sequence counter | f64 arrival ms | u16 key length | key | data
 *
 * Little-endian. A record is valid only if it is complete, its CRC matches, its lengths agree and
 * its counter and arrival time do not go backwards. Scanning stops at the first record that is
 * not: after a crash that is the torn tail, which recovery truncates.
 */
import { RECORD_BYTES_LIMIT } from '../limits.js';
import { native } from '../native/index.js';

export const SEGMENT_MAGIC = 'RIFFLSEG';
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
export const FRAME_HEADER_BYTES = 8;
export const PAYLOAD_FIXED_BYTES = 18;
/**
 * The largest payload a valid record has: 10 MiB of data and key (the largest record any stream
 * takes, UpdateMaxRecordSize's) plus the fixed part. A frame claiming more is damage, not a record.
 */
export const PAYLOAD_MAX_BYTES = PAYLOAD_FIXED_BYTES + RECORD_BYTES_LIMIT;

export function segmentHeader(): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
  h.write(SEGMENT_MAGIC, 0, 'latin1');
  h.writeUInt32LE(SEGMENT_VERSION, 8);
  return h;
}

export function frameBytes(keyLen: number, dataLen: number): number {
  return FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES + keyLen + dataLen;
}

export interface ScannedRecord {
  seq: number;
  arrivalMs: number;
  /** Offset of the key in the scanned buffer; the data follows it. */
  keyOffset: number;
  keyLen: number;
  dataLen: number;
}

export interface FrameScan {
  /** Offset just past the last valid record (or `from` when there is none). */
  end: number;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastArrivalMs: number | null;
  /** Why scanning stopped before the end of the buffer, or null if every byte was a valid record. */
  problem: string | null;
  /**
   * The problem is only that the buffer ends inside a record (its header or payload is cut short):
   * in a file that is a torn tail; in a chunk read from the middle of a file, a cue to read more.
   */
  short: boolean;
}

export interface SegmentScan {
  /** Bytes from the start of the file that hold a valid header and valid records. */
  goodBytes: number;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastArrivalMs: number | null;
  /** Why scanning stopped before the end, or null if the whole buffer is valid. */
  problem: string | null;
}

/** Checks the 16-byte file header; returns the problem, or null when it is a segment file we read. */
export function checkSegmentHeader(buf: Uint8Array): string | null {
  if (buf.length < SEGMENT_HEADER_BYTES) return `file header cut short (${buf.length} of ${SEGMENT_HEADER_BYTES} bytes)`;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (Buffer.from(buf.buffer, buf.byteOffset, 8).toString('latin1') !== SEGMENT_MAGIC || view.getUint32(8, true) !== SEGMENT_VERSION) {
    return 'not a Riffle segment file (bad magic or version)';
  }
  return null;
}

/**
 * Scans record frames in buf[from, buf.length), calling `onRecord` for each valid one in order, and
 * stops at the first that is not, or before a record for which `onRecord` returns false (that
 * record is not counted and `end` is its start; `problem` stays null). Records must be numbered above `afterSeq` and arrive no earlier
 * than `afterArrivalMs`. `base` is added to byte positions in problem messages (the buffer's offset
 * in its file).
 */
export function scanFrames(buf: Uint8Array, from: number, onRecord: (r: ScannedRecord) => boolean | void, afterSeq = -1, afterArrivalMs = -Infinity, base = 0): FrameScan {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: FrameScan = { end: from, records: 0, firstSeq: null, lastSeq: null, lastArrivalMs: null, problem: null, short: false };
  let at = from;
  let lastSeq = afterSeq;
  let lastArrival = afterArrivalMs;
  while (at < buf.length) {
    if (buf.length - at < FRAME_HEADER_BYTES) {
      out.problem = `record at byte ${base + at} cut short in its header`;
      out.short = true;
      break;
    }
    const payload = view.getUint32(at, true);
    const crc = view.getUint32(at + 4, true);
    if (payload < PAYLOAD_FIXED_BYTES || payload > PAYLOAD_MAX_BYTES) {
      out.problem = `record at byte ${base + at} has an impossible length ${payload}`;
      break;
    }
    const p = at + FRAME_HEADER_BYTES;
    if (buf.length - p < payload) {
      out.problem = `record at byte ${base + at} cut short (${buf.length - p} of ${payload} bytes)`;
      out.short = true;
      break;
    }
    if (native.crc32c(buf.subarray(p, p + payload)) !== crc) {
      out.problem = `record at byte ${base + at} fails its CRC-32C`;
      break;
    }
    const seq = view.getFloat64(p, true);
    const arrivalMs = view.getFloat64(p + 8, true);
    const keyLen = view.getUint16(p + 16, true);
    if (!Number.isSafeInteger(seq) || seq <= lastSeq || !(arrivalMs >= lastArrival) || keyLen > payload - PAYLOAD_FIXED_BYTES) {
      out.problem = `record at byte ${base + at} is out of order or malformed (sequence counter ${seq})`;
      break;
    }
    if (onRecord({ seq, arrivalMs, keyOffset: p + PAYLOAD_FIXED_BYTES, keyLen, dataLen: payload - PAYLOAD_FIXED_BYTES - keyLen }) === false) break;
    out.records++;
    out.firstSeq ??= seq;
    out.lastSeq = seq;
    out.lastArrivalMs = arrivalMs;
    lastSeq = seq;
    lastArrival = arrivalMs;
    at = p + payload;
    out.end = at;
  }
  return out;
}

/**
 * Scans a whole segment file's bytes, calling `onRecord` for each valid record in order, and stops
 * at the first invalid one. `afterSeq`: records must be numbered above it (the previous segment's last).
 */
export function scanSegment(buf: Uint8Array, onRecord: (r: ScannedRecord) => void, afterSeq = -1): SegmentScan {
  const header = checkSegmentHeader(buf);
  if (header !== null) return { goodBytes: 0, records: 0, firstSeq: null, lastSeq: null, lastArrivalMs: null, problem: header };
  const scan = scanFrames(buf, SEGMENT_HEADER_BYTES, onRecord, afterSeq);
  return { goodBytes: scan.end, records: scan.records, firstSeq: scan.firstSeq, lastSeq: scan.lastSeq, lastArrivalMs: scan.lastArrivalMs, problem: scan.problem };
}
