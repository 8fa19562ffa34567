/**
 * TypeScript twin of native-bindings/src/ingest.cc: scan a binary ingest PUT frame's records in
 * place (docs/ws-protocol.md), route them, and pack each owner's records into its request message.
 * Same answers as the addon, byte for byte (test/unit/native fuzzes the two against each other).
 */
import { PARTITION_KEY_CHARS_MAX, RECORD_BYTES_LIMIT } from '../limits.js';
import { md5Into } from './md5.js';

/** Per record in `spans`: key offset, key length, data offset, data length, hash key offset (0: none). */
export const SPAN_WORDS = 5;
/** Per-record fixed part of a PUT frame's record: flags u8, key length u16, data length u32 (a hash key adds 16). */
export const FRAME_RECORD_FIXED_BYTES = 7;
/** Per-record fixed part of an INGEST owner message: gid u32, key length u16, data length u32. */
export const INGEST_RECORD_FIXED_BYTES = 10;

export const SCAN = {
  OK: 0,
  TRUNCATED: 1,
  RECORD_FLAGS: 2,
  KEY_UTF8: 3,
  TRAILING: 4,
  KEY_LENGTH: 5,
  DATA_SIZE: 6,
  RECORD_SIZE: 7,
} as const;
/** err[3] for TRUNCATED: which field was cut. */
export const TRUNCATED_FIELDS = ['header', 'hash key', 'partition key', 'data length', 'data'] as const;

// The addon's ingest.cc has the same two limits as constants; test/unit/native/limits.test.ts holds
// both to these.

/**
 * Strict UTF-8 (as TextDecoder with fatal: true and ignoreBOM: true: a leading byte order mark is
 * an ordinary character, hashed and stored as sent): the length in UTF-16 code units, or -1.
 */
export function utf16Units(s: Uint8Array, from: number, n: number): number {
  let i = from;
  const end = from + n;
  let units = 0;
  while (i < end) {
    const b = s[i] as number;
    if (b < 0x80) {
      i++;
      units++;
      continue;
    }
    let extra: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) extra = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      extra = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      extra = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return -1;
    if (end - i <= extra) return -1;
    const b1 = s[i + 1] as number;
    if (b1 < lo || b1 > hi) return -1;
    for (let k = 2; k <= extra; k++) {
      const c = s[i + k] as number;
      if (c < 0x80 || c > 0xbf) return -1;
    }
    i += extra + 1;
    units += extra === 3 ? 2 : 1;
  }
  return units;
}

const u16 = (b: Uint8Array, p: number): number => (b[p] as number) | ((b[p + 1] as number) << 8);
const u32 = (b: Uint8Array, p: number): number => ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;

export function scanIngest(frame: Uint8Array, pos: number, count: number, spans: Uint32Array, err: Int32Array): number {
  const len = frame.length;
  let rule: number = SCAN.OK;
  let r0 = 0;
  let r1 = 0;
  let r3 = 0;
  const fail = (status: number, record: number, at: number, need: number, detail: number): number => {
    err[0] = record;
    err[1] = at;
    err[2] = need;
    err[3] = detail;
    return status;
  };
  for (let i = 0; i < count; i++) {
    if (len - pos < 3) return fail(SCAN.TRUNCATED, i, pos, 3, 0);
    const flags = frame[pos] as number;
    const keyLen = u16(frame, pos + 1);
    pos += 3;
    if ((flags & ~1) !== 0) return fail(SCAN.RECORD_FLAGS, i, pos, 0, flags);
    let hashOff = 0;
    if (flags & 1) {
      if (len - pos < 16) return fail(SCAN.TRUNCATED, i, pos, 16, 1);
      hashOff = pos;
      pos += 16;
    }
    if (len - pos < keyLen) return fail(SCAN.TRUNCATED, i, pos, keyLen, 2);
    const units = utf16Units(frame, pos, keyLen);
    if (units < 0) return fail(SCAN.KEY_UTF8, i, pos, 0, 0);
    const keyOff = pos;
    pos += keyLen;
    if (len - pos < 4) return fail(SCAN.TRUNCATED, i, pos, 4, 3);
    const dataLen = u32(frame, pos);
    pos += 4;
    if (len - pos < dataLen) return fail(SCAN.TRUNCATED, i, pos, dataLen, 4);
    const dataOff = pos;
    pos += dataLen;
    const s = SPAN_WORDS * i;
    spans[s] = keyOff;
    spans[s + 1] = keyLen;
    spans[s + 2] = dataOff;
    spans[s + 3] = dataLen;
    spans[s + 4] = hashOff;
    if (rule === SCAN.OK) {
      let r: number = SCAN.OK;
      if (units < 1 || units > PARTITION_KEY_CHARS_MAX) r = SCAN.KEY_LENGTH;
      else if (dataLen > RECORD_BYTES_LIMIT) r = SCAN.DATA_SIZE;
      else if (keyLen + dataLen > RECORD_BYTES_LIMIT) r = SCAN.RECORD_SIZE;
      if (r !== SCAN.OK) {
        rule = r;
        r0 = i;
        r1 = keyOff;
        r3 = units;
      }
    }
  }
  if (pos !== len) return fail(SCAN.TRAILING, count, pos, 0, 0);
  if (rule !== SCAN.OK) fail(rule, r0, r1, 0, r3);
  return rule;
}

/** Index of the last 16-byte big-endian start <= key (starts ascending, first all zeros). */
export function findRangeBytes(starts: Uint8Array, key: Uint8Array, keyOff: number): number {
  let lo = 0;
  let hi = starts.length / 16 - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    let d = 0;
    for (let i = 0; i < 16 && d === 0; i++) d = (starts[mid * 16 + i] as number) - (key[keyOff + i] as number);
    if (d <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const digest = new Uint8Array(16);

/** The addon's SpansWithin: every span inside the frame (spans from scanIngest always are). */
function checkSpans(frame: Uint8Array, spans: Uint32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const s = SPAN_WORDS * i;
    const hashOff = spans[s + 4] as number;
    if (
      (spans[s] as number) + (spans[s + 1] as number) > frame.length ||
      (spans[s + 2] as number) + (spans[s + 3] as number) > frame.length ||
      (hashOff !== 0 && hashOff + 16 > frame.length)
    ) {
      throw new RangeError('a span runs past the frame');
    }
  }
}

export function routeSpans(frame: Uint8Array, spans: Uint32Array, count: number, starts: Uint8Array, out: Uint32Array): void {
  checkSpans(frame, spans, count);
  for (let i = 0; i < count; i++) {
    const s = SPAN_WORDS * i;
    const hashOff = spans[s + 4] as number;
    if (hashOff !== 0) {
      out[i] = findRangeBytes(starts, frame, hashOff);
      continue;
    }
    md5Into(frame, spans[s] as number, spans[s + 1] as number, digest, 0);
    out[i] = findRangeBytes(starts, digest, 0);
  }
}

export function packIngest(
  frame: Uint8Array,
  spans: Uint32Array,
  count: number,
  routes: Uint32Array,
  shardGids: Uint32Array,
  shardOwners: Uint32Array,
  owner: number,
  dst: Uint8Array,
  dstOffset: number,
): number {
  checkSpans(frame, spans, count);
  if (dstOffset > dst.length) throw new RangeError('dstOffset is past dst');
  let at = dstOffset;
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  for (let i = 0; i < count; i++) {
    const shard = routes[i] as number;
    if (shard >= shardGids.length) return -1;
    if (owner >= 0 && shardOwners[shard] !== owner) continue;
    const s = SPAN_WORDS * i;
    const keyOff = spans[s] as number;
    const keyLen = spans[s + 1] as number;
    const dataOff = spans[s + 2] as number;
    const dataLen = spans[s + 3] as number;
    if (dst.length - at < INGEST_RECORD_FIXED_BYTES + keyLen + dataLen) return -1;
    view.setUint32(at, shardGids[shard] as number, true);
    view.setUint16(at + 4, keyLen, true);
    view.setUint32(at + 6, dataLen, true);
    dst.set(frame.subarray(keyOff, keyOff + keyLen), at + INGEST_RECORD_FIXED_BYTES);
    dst.set(frame.subarray(dataOff, dataOff + dataLen), at + INGEST_RECORD_FIXED_BYTES + keyLen);
    at += INGEST_RECORD_FIXED_BYTES + keyLen + dataLen;
  }
  return at - dstOffset;
}
