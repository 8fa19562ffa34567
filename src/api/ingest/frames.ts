/**
 * The binary ingest protocol over WebSocket (docs/ws-protocol.md), version 1. Little-endian.
 *
 *   PUT   (client → server): u8 type=1 | u8 version=1 | u16 flags=0 | u32 batchId |
 *                            u16 nameLen | stream name (UTF-8) | u32 count | count × record
 *         record: u8 recordFlags (bit 0: explicit hash key) | u16 keyLen |
 *                 [16-byte big-endian hash key] | key (UTF-8) | u32 dataLen | data
 *   ACK   (server → client): u8 type=2 | u8 version | u16 0 | u32 batchId | f64 stream created ms |
 *                            u32 count | count × (u8 status | u32 shard index | f64 counter)
 *   ERROR (server → client): u8 type=3 | u8 version | u16 0 | u32 batchId (0 if unread) |
 *                            u16 typeLen | AWS error type | u32 messageLen | message (UTF-8)
 */
export const FRAME = { PUT: 1, ACK: 2, ERROR: 3 } as const;
export const PROTOCOL_VERSION = 1;
export const RECORD_FLAG_HASH_KEY = 1;

/** Per-record status in an ACK. */
export const ACK_STATUS = { OK: 0, THROTTLED: 1, INTERNAL: 2 } as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface DecodedRecord {
  partitionKey: string;
  data: Uint8Array;
  explicitHashKey?: string;
}

export interface DecodedPut {
  batchId: number;
  streamName: string;
  records: DecodedRecord[];
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

export const MAX_RECORDS_PER_PUT = 10_000;

/** Reads a PUT frame. `frame` must be the server's own copy (records are views into it). */
export function decodePut(frame: Buffer): DecodedPut {
  let pos = 0;
  const need = (n: number, what: string, batchId: number): void => {
    if (pos + n > frame.length) throw new FrameError('SerializationException', `Frame truncated: ${what} at byte ${pos} needs ${n} bytes, ${frame.length - pos} remain`, batchId);
  };
  need(8, 'header', 0);
  const type = frame.readUInt8(0);
  const version = frame.readUInt8(1);
  const flags = frame.readUInt16LE(2);
  const batchId = frame.readUInt32LE(4);
  pos = 8;
  if (type !== FRAME.PUT) throw new FrameError('SerializationException', `Unknown frame type ${type}`, batchId);
  if (version !== PROTOCOL_VERSION) throw new FrameError('SerializationException', `Unsupported protocol version ${version} (this server speaks ${PROTOCOL_VERSION})`, batchId);
  if (flags !== 0) throw new FrameError('SerializationException', `Unsupported frame flags 0x${flags.toString(16)}`, batchId);
  need(2, 'stream name length', batchId);
  const nameLen = frame.readUInt16LE(pos);
  pos += 2;
  need(nameLen, 'stream name', batchId);
  const streamName = text(frame, pos, nameLen, 'stream name', batchId);
  pos += nameLen;
  need(4, 'record count', batchId);
  const count = frame.readUInt32LE(pos);
  pos += 4;
  if (count < 1 || count > MAX_RECORDS_PER_PUT) {
    throw new FrameError('InvalidArgumentException', `A PUT frame carries 1 to ${MAX_RECORDS_PER_PUT} records, got ${count}`, batchId);
  }
  const records: DecodedRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    need(3, `record ${i} header`, batchId);
    const recordFlags = frame.readUInt8(pos);
    const keyLen = frame.readUInt16LE(pos + 1);
    pos += 3;
    if ((recordFlags & ~RECORD_FLAG_HASH_KEY) !== 0) {
      throw new FrameError('SerializationException', `Unsupported record flags 0x${recordFlags.toString(16)} on record ${i}`, batchId);
    }
    let explicitHashKey: string | undefined;
    if (recordFlags & RECORD_FLAG_HASH_KEY) {
      need(16, `record ${i} hash key`, batchId);
      explicitHashKey = BigInt('0x' + frame.toString('hex', pos, pos + 16)).toString();
      pos += 16;
    }
    need(keyLen, `record ${i} partition key`, batchId);
    const partitionKey = text(frame, pos, keyLen, `record ${i} partition key`, batchId);
    pos += keyLen;
    need(4, `record ${i} data length`, batchId);
    const dataLen = frame.readUInt32LE(pos);
    pos += 4;
    need(dataLen, `record ${i} data`, batchId);
    const data = frame.subarray(pos, pos + dataLen);
    pos += dataLen;
    records[i] = explicitHashKey === undefined ? { partitionKey, data } : { partitionKey, data, explicitHashKey };
  }
  if (pos !== frame.length) throw new FrameError('SerializationException', `Frame has ${frame.length - pos} bytes after its last record`, batchId);
  return { batchId, streamName, records };
}

/** Strict UTF-8: a malformed key must be refused, not hashed as replacement characters. */
function text(frame: Buffer, pos: number, len: number, what: string, batchId: number): string {
  try {
    return utf8.decode(frame.subarray(pos, pos + len));
  } catch {
    throw new FrameError('SerializationException', `The ${what} is not valid UTF-8`, batchId);
  }
}

export interface AckEntry {
  status: number;
  shardIndex: number;
  counter: number;
}

export function encodeAck(batchId: number, streamCreatedMs: number, entries: readonly AckEntry[]): Buffer {
  const out = Buffer.allocUnsafe(20 + entries.length * 13);
  out.writeUInt8(FRAME.ACK, 0);
  out.writeUInt8(PROTOCOL_VERSION, 1);
  out.writeUInt16LE(0, 2);
  out.writeUInt32LE(batchId, 4);
  out.writeDoubleLE(streamCreatedMs, 8);
  out.writeUInt32LE(entries.length, 16);
  let pos = 20;
  for (const e of entries) {
    out.writeUInt8(e.status, pos);
    out.writeUInt32LE(e.shardIndex, pos + 1);
    out.writeDoubleLE(e.counter, pos + 5);
    pos += 13;
  }
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
