/**
 * The binary ingest protocol over WebSocket (docs/ws-protocol.md), version 1. Little-endian.
 *
 *   PUT   (client → server): u8 type=1 | u8 version=1 | u16 flags | u32 batchId |
 *                            u16 nameLen | stream name (UTF-8) | u32 count | count × record
 *         flags bit 0 (FRAME_FLAG_LZ4): the records are one LZ4 block with its uncompressed
 *         length first (u32 LE), as lz4-napi compressSync / lz4_flex compress_prepend_size write it
 *         record: u8 recordFlags (bit 0: explicit hash key) | u16 keyLen |
 *                 [16-byte big-endian hash key] | key (UTF-8) | u32 dataLen | data
 *   ACK   (server → client): u8 type=2 | u8 version | u16 0 | u32 batchId | f64 stream created ms |
 *                            u32 count | count × (u8 status | u32 shard index | f64 counter)
 *   ERROR (server → client): u8 type=3 | u8 version | u16 0 | u32 batchId (0 if unread) |
 *                            u16 typeLen | AWS error type | u32 messageLen | message (UTF-8)
 */
import { uncompressSync } from 'lz4-napi';
import { AwsError } from '../../aws/errors.js';
import { ACK_ENTRY_BYTES, ACK_STATUS } from '../../engine/write-path.js';
import { INGEST_RECORDS_MAX, PARTITION_KEY_CHARS_MAX, RECORD_BYTES_LIMIT } from '../../limits.js';
import { SCAN, SPAN_WORDS, TRUNCATED_FIELDS } from '../../native/ingest.js';
import { recordTooLarge } from '../errors.js';

export const FRAME = { PUT: 1, ACK: 2, ERROR: 3 } as const;
export const PROTOCOL_VERSION = 1;
export const RECORD_FLAG_HASH_KEY = 1;
export const FRAME_FLAG_LZ4 = 1;

/** Per-record status in an ACK: putPacked's, forwarded as is. */
export { ACK_ENTRY_BYTES, ACK_STATUS };
export const ACK_HEADER_BYTES = 20;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The fixed part of a PUT frame; its records start at `recordsAt` (compressed when `lz4`). */
export interface PutHeader {
  batchId: number;
  streamName: string;
  count: number;
  recordsAt: number;
  lz4: boolean;
}

/** A frame that cannot be read: becomes an ERROR frame; the connection stays open. */
export class FrameError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly batchId = 0,
  ) {
    super(message);
  }
}

function truncated(what: string, pos: number, need: number, remain: number, batchId: number): FrameError {
  return new FrameError('SerializationException', `Frame truncated: ${what} at byte ${pos} needs ${need} bytes, ${remain} remain`, batchId);
}

/** Reads a PUT frame's header (the records are scanned in place by native.scanIngest). */
export function readPutHeader(frame: Buffer): PutHeader {
  if (frame.length < 8) throw truncated('header', 0, 8, frame.length, 0);
  const type = frame.readUInt8(0);
  const version = frame.readUInt8(1);
  const flags = frame.readUInt16LE(2);
  const batchId = frame.readUInt32LE(4);
  let pos = 8;
  if (type !== FRAME.PUT) throw new FrameError('SerializationException', `Unknown frame type ${type}`, batchId);
  if (version !== PROTOCOL_VERSION) throw new FrameError('SerializationException', `Unsupported protocol version ${version} (this server speaks ${PROTOCOL_VERSION})`, batchId);
  if ((flags & ~FRAME_FLAG_LZ4) !== 0) throw new FrameError('SerializationException', `Unsupported frame flags 0x${flags.toString(16)}`, batchId);
  if (frame.length - pos < 2) throw truncated('stream name length', pos, 2, frame.length - pos, batchId);
  const nameLen = frame.readUInt16LE(pos);
  pos += 2;
  if (frame.length - pos < nameLen) throw truncated('stream name', pos, nameLen, frame.length - pos, batchId);
  const streamName = text(frame, pos, nameLen, 'stream name', batchId);
  pos += nameLen;
  if (frame.length - pos < 4) throw truncated('record count', pos, 4, frame.length - pos, batchId);
  const count = frame.readUInt32LE(pos);
  pos += 4;
  if (count < 1 || count > INGEST_RECORDS_MAX) {
    throw new FrameError('InvalidArgumentException', `A PUT frame carries 1 to ${INGEST_RECORDS_MAX} records, got ${count}`, batchId);
  }
  return { batchId, streamName, count, recordsAt: pos, lz4: (flags & FRAME_FLAG_LZ4) !== 0 };
}

/**
 * The records of an LZ4 frame, decompressed. The claimed length is checked before anything is
 * allocated (a frame cannot inflate past the uncompressed frame limit); a block that does not
 * decode to exactly that length is refused.
 */
export function inflateRecords(frame: Buffer, head: PutHeader, maxBytes: number): Buffer {
  const at = head.recordsAt;
  if (frame.length - at < 4) throw truncated('compressed length', at, 4, frame.length - at, head.batchId);
  const claimed = frame.readUInt32LE(at);
  if (claimed > maxBytes) {
    throw new FrameError('InvalidArgumentException', `Compressed records claim ${claimed} bytes; at most ${maxBytes} are allowed`, head.batchId);
  }
  let records: Buffer;
  try {
    records = uncompressSync(frame.subarray(at));
  } catch (err) {
    throw new FrameError('SerializationException', `The records are not a valid LZ4 block (${(err as Error).message})`, head.batchId);
  }
  if (records.length !== claimed) {
    throw new FrameError('SerializationException', `The LZ4 block decoded to ${records.length} bytes, not the ${claimed} it claims`, head.batchId);
  }
  return records;
}

/** Strict UTF-8: a malformed key must be refused, not hashed as replacement characters. */
function text(frame: Buffer, pos: number, len: number, what: string, batchId: number): string {
  try {
    return utf8.decode(frame.subarray(pos, pos + len));
  } catch {
    throw new FrameError('SerializationException', `The ${what} is not valid UTF-8`, batchId);
  }
}

function validationError(i: number, value: string, constraint: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: Value ${value} at 'records.${i + 1}.member.${constraint}`);
}

/**
 * The error for a scanIngest status other than OK, worded as the frame decoder and PutRecords
 * word it: structural faults are SerializationException, broken PutRecords rules are
 * ValidationException / InvalidArgumentException, as PutRecords answers them.
 */
export function scanError(frame: Buffer, status: number, err: Int32Array, spans: Uint32Array, batchId: number): FrameError | AwsError {
  const i = err[0] as number;
  const pos = err[1] as number;
  switch (status) {
    case SCAN.TRUNCATED:
      return truncated(`record ${i} ${TRUNCATED_FIELDS[err[3] as number] ?? 'field'}`, pos, err[2] as number, frame.length - pos, batchId);
    case SCAN.RECORD_FLAGS:
      return new FrameError('SerializationException', `Unsupported record flags 0x${(err[3] as number).toString(16)} on record ${i}`, batchId);
    case SCAN.KEY_UTF8:
      return new FrameError('SerializationException', `The record ${i} partition key is not valid UTF-8`, batchId);
    case SCAN.TRAILING:
      return new FrameError('SerializationException', `Frame has ${frame.length - pos} bytes after its last record`, batchId);
    case SCAN.KEY_LENGTH: {
      const key = frame.toString('utf8', pos, pos + (spans[SPAN_WORDS * i + 1] as number));
      const bound = (err[3] as number) < 1 ? 'greater than or equal to 1' : `less than or equal to ${PARTITION_KEY_CHARS_MAX}`;
      return validationError(i, `'${key}'`, `partitionKey' failed to satisfy constraint: Member must have length ${bound}`);
    }
    case SCAN.DATA_SIZE: {
      const n = spans[SPAN_WORDS * i + 3] as number;
      return validationError(i, `'java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]'`, `data' failed to satisfy constraint: Member must have length less than or equal to ${RECORD_BYTES_LIMIT}`);
    }
    case SCAN.RECORD_SIZE:
      return recordTooLarge(RECORD_BYTES_LIMIT);
    default:
      return new FrameError('InternalFailure', `Unknown scan status ${status}`, batchId);
  }
}

/** An ACK frame for `count` records with its header written; the entries follow at ACK_HEADER_BYTES. */
export function ackFrame(batchId: number, count: number): Buffer {
  const out = Buffer.allocUnsafe(ACK_HEADER_BYTES + count * ACK_ENTRY_BYTES);
  out.writeUInt8(FRAME.ACK, 0);
  out.writeUInt8(PROTOCOL_VERSION, 1);
  out.writeUInt16LE(0, 2);
  out.writeUInt32LE(batchId, 4);
  out.writeDoubleLE(0, 8); // the stream's creation time, once known
  out.writeUInt32LE(count, 16);
  return out;
}

export function encodeError(batchId: number, type: string, message: string): Buffer {
  const t = Buffer.from(type, 'utf8');
  const m = Buffer.from(message, 'utf8');
  const out = Buffer.allocUnsafe(8 + 2 + t.length + 4 + m.length);
  out.writeUInt8(FRAME.ERROR, 0);
  out.writeUInt8(PROTOCOL_VERSION, 1);
  out.writeUInt16LE(0, 2);
  out.writeUInt32LE(batchId, 4);
  out.writeUInt16LE(t.length, 8);
  t.copy(out, 10);
  out.writeUInt32LE(m.length, 10 + t.length);
  m.copy(out, 14 + t.length);
  return out;
}
