import { WireReader, WireWriter } from './wire.js';

/**
 * Messages between the main thread and a shard owner, framed into the request ring (main → owner)
 * and the reply ring (owner → main). Every message starts with an 8-byte header:
 *   u8 type | u8 status (replies) | u16 0 | u32 request id
 * Errors travel as numeric status codes (errors.ts WIRE_ERROR): Error objects do not survive a
 * thread boundary, and the edge owns the AWS wording.
 */
export const MSG = {
  CREATE_SHARD: 1,
  DELETE_SHARD: 2,
  SET_RETENTION: 3,
  PUT: 4,
  READ: 5,
  POSITION: 6,
  INGEST: 7,
} as const;
export type MsgType = (typeof MSG)[keyof typeof MSG];

export const POSITION_KIND = { LATEST: 1, AT_TIMESTAMP: 2 } as const;

export const HEADER_BYTES = 8;
/** Per-record fixed part of a PUT request: gid u32, dataLen u32, keyLen u16, flags u16. */
export const PUT_RECORD_FIXED_BYTES = 12;
export const PUT_FLAG_ORDERING = 1;
/** Per-record part of a PUT reply: status u8, seq f64. */
export const PUT_ACK_BYTES = 9;
/** Per-record fixed part of a READ reply: seq f64, arrival f64, keyLen u16, dataLen u32. */
export const READ_RECORD_FIXED_BYTES = 22;

export function writeHeader(w: WireWriter, type: MsgType, status: number, requestId: number): void {
  w.u8(type);
  w.u8(status);
  w.u16(0);
  w.u32(requestId);
}

export interface Header {
  type: MsgType;
  status: number;
  requestId: number;
}

export function readHeader(r: WireReader): Header {
  const type = r.u8() as MsgType;
  const status = r.u8();
  r.u16();
  return { type, status, requestId: r.u32() };
}

// ---- control requests: fixed small layouts --------------------------------------------------

/**
 * CREATE_SHARD: gid u32, retentionMs f64, shard index u32 (its place in the stream, echoed in
 * INGEST acks), u16 directory length, directory (UTF-8; empty: the shard lives in memory). A
 * durable shard's directory is opened and recovered; the reply then carries the recovery:
 * records f64, next counter f64, truncated bytes f64, u32 length + report text (UTF-8).
 * SET_RETENTION: gid u32, retentionMs f64. DELETE_SHARD: gid u32.
 */
export function encodeShardControl(type: MsgType, requestId: number, gid: number, retentionMs = 0, shardIndex = 0, dir = ''): Uint8Array {
  const path = Buffer.from(dir, 'utf8');
  const w = new WireWriter(new Uint8Array(HEADER_BYTES + 18 + path.length));
  writeHeader(w, type, 0, requestId);
  w.u32(gid);
  w.f64(retentionMs);
  w.u32(shardIndex);
  w.u16(path.length);
  w.raw(path);
  return w.bytes;
}

export interface ShardRecovery {
  records: number;
  nextSeq: number;
  truncatedBytes: number;
  report: string;
}

export function decodeShardRecovery(r: WireReader): ShardRecovery {
  const records = r.f64();
  const nextSeq = r.f64();
  const truncatedBytes = r.f64();
  const report = Buffer.from(r.raw(r.u32())).toString('utf8');
  return { records, nextSeq, truncatedBytes, report };
}

/** POSITION: gid u32, kind u8, value f64 (a time in ms for AT_TIMESTAMP). Reply: seq f64. */
export function encodePosition(requestId: number, gid: number, kind: number, value: number): Uint8Array {
  const w = new WireWriter(new Uint8Array(HEADER_BYTES + 13));
  writeHeader(w, MSG.POSITION, 0, requestId);
  w.u32(gid);
  w.u8(kind);
  w.f64(value);
  return w.bytes;
}

/** READ: gid u32, limit u32, maxBytes u32, fromSeq f64. */
/** READ flag: an enhanced fan-out read, limited per consumer on the main thread, not by the shard's GetRecords quota. */
export const READ_FLAG_UNMETERED = 1;
/**
 * A read that finds nothing at its position waits at the owner instead of answering empty, and is
 * answered right after the next commit that appends to the shard (enhanced fan-out: records go to
 * the main thread with their acks, with no further round trip). An owner keeps PARKED_READS_MAX
 * such reads per shard; a new one past that answers the oldest (empty) to take its place.
 */
export const READ_FLAG_WAIT = 2;
export const PARKED_READS_MAX = 4;

export function encodeRead(requestId: number, gid: number, fromSeq: number, limit: number, maxBytes: number, flags = 0): Uint8Array {
  const w = new WireWriter(new Uint8Array(HEADER_BYTES + 21));
  writeHeader(w, MSG.READ, 0, requestId);
  w.u32(gid);
  w.u32(limit);
  w.u32(maxBytes);
  w.f64(fromSeq);
  w.u8(flags);
  return w.bytes;
}

// ---- PUT: a batch of records for one owner ---------------------------------------------------

export interface PutEntry {
  gid: number;
  key: Buffer;
  data: Uint8Array;
  /** Counter from SequenceNumberForOrdering when it names this shard, else -1. */
  orderingCounter: number;
}

export function putRequestBytes(entries: readonly PutEntry[]): number {
  let n = HEADER_BYTES + 4;
  for (const e of entries) n += PUT_RECORD_FIXED_BYTES + (e.orderingCounter >= 0 ? 8 : 0) + e.key.length + e.data.length;
  return n;
}

/** Writes a PUT request into `out` (exactly putRequestBytes(entries) long). */
export function encodePut(out: Uint8Array, requestId: number, entries: readonly PutEntry[]): void {
  const w = new WireWriter(out);
  writeHeader(w, MSG.PUT, 0, requestId);
  w.u32(entries.length);
  for (const e of entries) {
    w.u32(e.gid);
    w.u32(e.data.length);
    w.u16(e.key.length);
    const ordered = e.orderingCounter >= 0;
    w.u16(ordered ? PUT_FLAG_ORDERING : 0);
    if (ordered) w.f64(e.orderingCounter);
    w.raw(e.key);
    w.raw(e.data);
  }
}

export interface PutAck {
  status: number;
  seq: number;
}

export function decodePutReply(r: WireReader): PutAck[] {
  const count = r.u32();
  const acks: PutAck[] = new Array(count);
  for (let i = 0; i < count; i++) acks[i] = { status: r.u8(), seq: r.f64() };
  return acks;
}

// ---- INGEST: a batch of binary records for one owner, packed in place (native packIngest) -----
//   request: header | u32 count | count × (u32 gid | u16 keyLen | u32 dataLen | key | data)
//   reply:   header | u32 count | count × INGEST_ACK_BYTES (u8 status | u32 shard index | f64 counter)
// The reply entries are exactly the ACK entries of the WebSocket ingest protocol
// (docs/ws-protocol.md), so the edge forwards them without decoding.

export const INGEST_HEADER_BYTES = HEADER_BYTES + 4;
export const INGEST_ACK_BYTES = 13;
/** Per-record status in an INGEST reply (and in a WebSocket ACK frame). */
export const INGEST_STATUS = { OK: 0, THROTTLED: 1, INTERNAL: 2 } as const;

/** The INGEST header; the records follow at INGEST_HEADER_BYTES (written by native packIngest). */
export function writeIngestHeader(out: Uint8Array, requestId: number, count: number): void {
  const w = new WireWriter(out);
  writeHeader(w, MSG.INGEST, 0, requestId);
  w.u32(count);
}

export interface ReadRecord {
  seq: number;
  arrivalMs: number;
  key: string;
  data: Buffer;
}

export interface ReadReply {
  nextSeq: number;
  millisBehindLatest: number;
  records: ReadRecord[];
}

/** Copies everything out of the ring slot: the slot is reused once released. */
export function decodeReadReply(r: WireReader): ReadReply {
  const nextSeq = r.f64();
  const millisBehindLatest = r.f64();
  const count = r.u32();
  const records: ReadRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const seq = r.f64();
    const arrivalMs = r.f64();
    const keyLen = r.u16();
    const dataLen = r.u32();
    const key = Buffer.from(r.raw(keyLen)).toString('utf8');
    const data = Buffer.from(r.raw(dataLen));
    records[i] = { seq, arrivalMs, key, data };
  }
  return { nextSeq, millisBehindLatest, records };
}
