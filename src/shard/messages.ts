import { WireReader, WireWriter } from './wire.js';

/**
 * Messages between the main thread and a shard owner, framed into the request ring (main → owner)
 * and the reply ring (owner → main). Every message starts with an 8-byte header:
 *   u8 type | u8 status (replies) | u16 flags (replies; 0 in requests) | u32 request id
 * Each layout is written and read here, the writer next to its reader. Errors travel as numeric
 * statuses (STATUS): Error objects do not survive a thread boundary, and the edge owns the AWS
 * wording (engine/owner-status.ts turns a status into the AWS error).
 */
export const MSG = {
  CREATE_SHARD: 1,
  DELETE_SHARD: 2,
  SET_RETENTION: 3,
  PUT: 4,
  READ: 5,
  POSITION: 6,
  INGEST: 7,
  TRIM: 8,
  CLOSE_SHARD: 9,
} as const;
export type MsgType = (typeof MSG)[keyof typeof MSG];

/**
 * The one table of statuses, for a whole reply (its header) and for one record (PUT and INGEST
 * entries). OK, THROTTLED and INTERNAL are also the WebSocket ACK statuses (docs/ws-protocol.md),
 * so an INGEST reply's entries are forwarded to the client as they are; the edge turns the others
 * into INTERNAL there, as that protocol has no more.
 */
export const STATUS = {
  OK: 0,
  /** Over the shard's write limit (records or bytes per second). */
  THROTTLED: 1,
  /** The owner could not serve it (a damaged segment, a log that cannot be opened, a bad message). */
  INTERNAL: 2,
  /** The owner has no such shard (deleted while the request was on its way). */
  SHARD_NOT_FOUND: 3,
  /** Over the shard's GetRecords limit (calls or bytes per second). */
  READ_THROTTLED: 4,
  /** SequenceNumberForOrdering names a counter this shard has not issued yet. */
  ORDERING_AHEAD: 5,
  /** The shard is closed (resharded): it takes no more records. The edge routes none there; a bug if seen. */
  SHARD_CLOSED: 6,
  /** An in-memory shard whose owner thread failed: its records are gone (the pool replaced the owner). */
  LOST: 7,
} as const;
export type Status = (typeof STATUS)[keyof typeof STATUS];

export const HEADER_BYTES = 8;

export function writeHeader(w: WireWriter, type: MsgType, status: number, requestId: number, flags = 0): void {
  w.u8(type);
  w.u8(status);
  w.u16(flags);
  w.u32(requestId);
}

/** Sets a reply's header flags after its body is written (`w` is the reply's writer, header at 0). */
export function setReplyFlags(w: WireWriter, flags: number): void {
  w.view.setUint16(2, flags, true);
}

export interface Header {
  type: MsgType;
  status: number;
  flags: number;
  requestId: number;
}

export function readHeader(r: WireReader): Header {
  const type = r.u8() as MsgType;
  const status = r.u8();
  const flags = r.u16();
  return { type, status, flags, requestId: r.u32() };
}

// ---- CREATE_SHARD, DELETE_SHARD, SET_RETENTION ------------------------------------------------
//   request: gid u32 | retentionMs f64 | shard index u32 (its place in the stream, echoed in
//            INGEST acks) | u16 directory length | directory (UTF-8; empty: the shard lives in memory)
//   CREATE_SHARD reply of a durable shard (its directory opened and recovered), also on failure:
//            records f64 | next counter f64 | truncated bytes f64 | u32 length | report (UTF-8)
// SET_RETENTION uses gid and retentionMs, DELETE_SHARD only gid; their replies are a bare header.
// CLOSE_SHARD uses gid: the shard takes no more records (a reshard made its children); the reply
// is the counter past its last record, f64 (CLOSE_REPLY_BYTES), and reads parked on it are then
// answered (empty, READ_REPLY_SHARD_END), after the reply.
// TRIM uses gid, and retentionMs as a time: records that arrived before it are dropped now (an
// internal log's reader has consumed them), as retention would drop them later.

/**
 * CREATE_SHARD header flag: the shard has no write limits (an internal log, e.g. a Firehose
 * delivery stream's, which its service meters with its own quotas), whatever --no-throttle says.
 */
export const SHARD_FLAG_UNMETERED = 1;
/** CREATE_SHARD header flag: an in-memory shard re-created on a replacement owner; it answers LOST to everything. */
export const SHARD_FLAG_LOST = 2;

export function encodeShardControl(type: MsgType, requestId: number, gid: number, retentionMs = 0, shardIndex = 0, dir = '', flags = 0): Uint8Array {
  const path = Buffer.from(dir, 'utf8');
  const w = new WireWriter(new Uint8Array(HEADER_BYTES + 18 + path.length));
  writeHeader(w, type, 0, requestId, flags);
  w.u32(gid);
  w.f64(retentionMs);
  w.u32(shardIndex);
  w.u16(path.length);
  w.raw(path);
  return w.bytes;
}

export interface ShardControl {
  gid: number;
  retentionMs: number;
  index: number;
  dir: string;
}

export function decodeShardControl(r: WireReader): ShardControl {
  const gid = r.u32();
  const retentionMs = r.f64();
  const index = r.u32();
  const dir = Buffer.from(r.raw(r.u16())).toString('utf8');
  return { gid, retentionMs, index, dir };
}

export interface ShardRecovery {
  records: number;
  nextSeq: number;
  truncatedBytes: number;
  report: string;
}

const RECOVERY_FIXED_BYTES = 28;

export function recoveryReplyBytes(report: Uint8Array): number {
  return RECOVERY_FIXED_BYTES + report.length;
}

/** `report` is the UTF-8 text (see recoveryReplyBytes for the room it takes). */
export function writeRecovery(w: WireWriter, records: number, nextSeq: number, truncatedBytes: number, report: Uint8Array): void {
  w.f64(records);
  w.f64(nextSeq);
  w.f64(truncatedBytes);
  w.u32(report.length);
  w.raw(report);
}

export function decodeShardRecovery(r: WireReader): ShardRecovery {
  const records = r.f64();
  const nextSeq = r.f64();
  const truncatedBytes = r.f64();
  const report = Buffer.from(r.raw(r.u32())).toString('utf8');
  return { records, nextSeq, truncatedBytes, report };
}

// ---- POSITION: where a reader starts ----------------------------------------------------------
//   request: gid u32 | kind u8 | value f64 (a time in ms for AT_TIMESTAMP)
//   reply:   counter f64

export const POSITION_KIND = { LATEST: 1, AT_TIMESTAMP: 2 } as const;
/** CLOSE_SHARD's reply: the shard's next counter, f64, the same layout as POSITION's. */
export const CLOSE_REPLY_BYTES = 8;
export const POSITION_REPLY_BYTES = 8;

export function encodePosition(requestId: number, gid: number, kind: number, value: number): Uint8Array {
  const w = new WireWriter(new Uint8Array(HEADER_BYTES + 13));
  writeHeader(w, MSG.POSITION, 0, requestId);
  w.u32(gid);
  w.u8(kind);
  w.f64(value);
  return w.bytes;
}

export function decodePosition(r: WireReader): { gid: number; kind: number; value: number } {
  return { gid: r.u32(), kind: r.u8(), value: r.f64() };
}

export function writePositionReply(w: WireWriter, counter: number): void {
  w.f64(counter);
}

export function decodePositionReply(r: WireReader): number {
  return r.f64();
}

// ---- READ: records from a counter on ----------------------------------------------------------
//   request: gid u32 | limit u32 | maxBytes u32 | fromSeq f64 | flags u8
//   reply:   nextSeq f64 | millisBehindLatest f64 | count u32 |
//            count × (seq f64 | arrival ms f64 | keyLen u16 | dataLen u32 | key | data)
// The reply's records are laid out as the WebSocket push RECORDS frame carries them
// (fanout/push-batch.ts), so a fan-out read is one copy out of the ring.

/** An enhanced fan-out read, limited per consumer on the main thread, not by the shard's GetRecords quota. */
export const READ_FLAG_UNMETERED = 1;
/**
 * A read that finds nothing at its position waits at the owner instead of answering empty, and is
 * answered right after the next commit that appends to the shard (enhanced fan-out: records go to
 * the main thread with their acks, with no further round trip). An owner keeps PARKED_READS_MAX
 * such reads per shard; a new one past that answers the oldest (empty) to take its place.
 */
export const READ_FLAG_WAIT = 2;
export const PARKED_READS_MAX = 4;
/**
 * READ reply flag: the shard is closed and the read reached its end (no record at or after
 * nextSeq will ever exist): GetRecords answers ChildShards, a subscription ends with them.
 */
export const READ_REPLY_SHARD_END = 1;
/** A READ reply before its records: nextSeq f64, millisBehindLatest f64, count u32. */
export const READ_REPLY_FIXED_BYTES = 20;
/** Per-record fixed part of a READ reply: seq f64, arrival f64, keyLen u16, dataLen u32. */
export const READ_RECORD_FIXED_BYTES = 22;

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

export interface ReadRequest {
  gid: number;
  limit: number;
  maxBytes: number;
  fromSeq: number;
  flags: number;
}

export function decodeRead(r: WireReader): ReadRequest {
  return { gid: r.u32(), limit: r.u32(), maxBytes: r.u32(), fromSeq: r.f64(), flags: r.u8() };
}

/** A record as a log hands it out: key and data are views, valid until the next read. */
export interface ReplyRecord {
  seq: number;
  arrivalMs: number;
  key: Uint8Array;
  data: Uint8Array;
}

export function readReplyBytes(records: readonly ReplyRecord[]): number {
  let size = READ_REPLY_FIXED_BYTES;
  for (const rec of records) size += READ_RECORD_FIXED_BYTES + rec.key.length + rec.data.length;
  return size;
}

export function writeReadReply(w: WireWriter, nextSeq: number, millisBehindLatest: number, records: readonly ReplyRecord[]): void {
  w.f64(nextSeq);
  w.f64(millisBehindLatest);
  w.u32(records.length);
  for (const rec of records) {
    w.f64(rec.seq);
    w.f64(rec.arrivalMs);
    w.u16(rec.key.length);
    w.u32(rec.data.length);
    w.raw(rec.key);
    w.raw(rec.data);
  }
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
  const { nextSeq, millisBehindLatest, count } = decodeReadReplyHead(r);
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

/** The fixed part of a READ reply; the records follow at r.pos, as READ_RECORD_FIXED_BYTES-headed entries. */
export function decodeReadReplyHead(r: WireReader): { nextSeq: number; millisBehindLatest: number; count: number } {
  return { nextSeq: r.f64(), millisBehindLatest: r.f64(), count: r.u32() };
}

// ---- PUT: a batch of records for one owner (PutRecord, PutRecords' object path) ----------------
//   request: u32 count | count × (gid u32 | dataLen u32 | keyLen u16 | flags u16 |
//            [ordering counter f64 if PUT_FLAG_ORDERING] | key | data)
//   reply:   u32 count | count × (status u8 | counter f64)

/** Per-record fixed part of a PUT request: gid u32, dataLen u32, keyLen u16, flags u16. */
export const PUT_RECORD_FIXED_BYTES = 12;
export const PUT_FLAG_ORDERING = 1;
/** Per-record part of a PUT reply: status u8, counter f64. */
export const PUT_ACK_BYTES = 9;

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

export function putReplyBytes(count: number): number {
  return 4 + count * PUT_ACK_BYTES;
}

/** One record's entry in a PUT reply (after the u32 count). */
export function writePutAck(w: WireWriter, status: Status, counter: number): void {
  w.u8(status);
  w.f64(counter);
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
// The reply entries are the ACK entries of the WebSocket ingest protocol (docs/ws-protocol.md).

export const INGEST_HEADER_BYTES = HEADER_BYTES + 4;
export const INGEST_ACK_BYTES = 13;
/**
 * INGEST reply flag: some entry has a status the WebSocket ACK does not have (SHARD_NOT_FOUND, SHARD_CLOSED), so
 * the edge must turn it into INTERNAL; without it the entries are forwarded untouched.
 */
export const INGEST_REPLY_NON_ACK = 1;

/** The INGEST header; the records follow at INGEST_HEADER_BYTES (written by native packIngest). */
export function writeIngestHeader(out: Uint8Array, requestId: number, count: number): void {
  const w = new WireWriter(out);
  writeHeader(w, MSG.INGEST, 0, requestId);
  w.u32(count);
}

export function ingestReplyBytes(count: number): number {
  return 4 + count * INGEST_ACK_BYTES;
}

/** One record's entry in an INGEST reply (after the u32 count). */
export function writeIngestAck(w: WireWriter, status: Status, shardIndex: number, counter: number): void {
  w.u8(status);
  w.u32(shardIndex);
  w.f64(counter);
}

/** The reply's entries as a view of the ring slot (copy them out before the slot is released). */
export function decodeIngestReply(r: WireReader): Uint8Array {
  const count = r.u32();
  return r.bytes.subarray(r.pos, r.pos + count * INGEST_ACK_BYTES);
}
