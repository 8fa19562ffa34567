import { crc32c } from '../../../src/native/crc32c.js';

/**
 * One segment-file record frame, written out field by field from the format in
 * src/log/segment-codec.ts (u32 payload length, u32 CRC-32C, f64 counter, f64 arrival, u16 key
 * length, key, data): the reference the native framer and the scanner are tested against.
 */
export function referenceFrame(seq: number, arrivalMs: number, key: Buffer, data: Buffer): Buffer {
  const payload = Buffer.alloc(18 + key.length + data.length);
  payload.writeDoubleLE(seq, 0);
  payload.writeDoubleLE(arrivalMs, 8);
  payload.writeUInt16LE(key.length, 16);
  key.copy(payload, 18);
  data.copy(payload, 18 + key.length);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32c(payload), 4);
  return Buffer.concat([head, payload]);
}
