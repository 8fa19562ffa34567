import { LogCorruptError, type FileLog } from '../../log/file-log.js';
import type { ReadResult } from '../../log/shard-log.js';
import {
  decodePosition,
  decodeRead,
  PARKED_READS_MAX,
  POSITION_KIND,
  POSITION_REPLY_BYTES,
  READ_FLAG_UNMETERED,
  READ_FLAG_WAIT,
  READ_REPLY_SHARD_END,
  readReplyBytes,
  setReplyFlags,
  STATUS,
  writePositionReply,
  writeReadReply,
  type Header,
} from '../messages.js';
import type { WireReader } from '../wire.js';
import type { OwnerContext } from './context.js';
import type { ShardState } from './shard-state.js';
import { serverLog } from './server-log.js';
import { SHARD } from '../shard-metrics.js';

/**
 * READ: GetRecords (metered by the shard's read buckets) and enhanced fan-out reads (unmetered;
 * with READ_FLAG_WAIT a read at the tip is parked until the next commit that appends there).
 */
export function handleRead(ctx: OwnerContext, h: Header, r: WireReader, nowMs: number): void {
  const { gid, limit, maxBytes, fromSeq, flags } = decodeRead(r);
  const push = (flags & READ_FLAG_UNMETERED) !== 0;
  const metered = ctx.init.throttle && !push;
  const shard = ctx.shards.get(gid);
  if (shard === undefined) return void ctx.reply(h, STATUS.SHARD_NOT_FOUND);
  if (shard.lost) return void ctx.reply(h, STATUS.LOST);
  if (metered && !shard.admitRead(nowMs)) {
    if (shard.metrics >= 0) ctx.metrics.words[shard.metrics + SHARD.READ_THROTTLED]! += 1;
    return void ctx.reply(h, STATUS.READ_THROTTLED);
  }
  // A closed shard will have nothing more: a read at its end is answered now, with the end flag.
  if ((flags & READ_FLAG_WAIT) !== 0 && fromSeq >= shard.nextSeq && !shard.closed) {
    const list = ctx.parked.get(gid) ?? [];
    // Full: the oldest is answered (empty) to make room; its reader is likely gone.
    const oldest = list.length >= PARKED_READS_MAX ? list.shift() : undefined;
    if (oldest !== undefined) answerRead(ctx, oldest.h, shard, oldest.fromSeq, oldest.limit, oldest.maxBytes, false, true, nowMs);
    list.push({ h, fromSeq, limit, maxBytes });
    ctx.parked.set(gid, list);
    return;
  }
  answerRead(ctx, h, shard, fromSeq, limit, maxBytes, metered, push, nowMs);
}

/** CLOSE_SHARD: the reads parked on the shard are answered at once (empty, at its end). */
export function answerParkedOf(ctx: OwnerContext, gid: number, nowMs: number): void {
  const list = ctx.parked.get(gid);
  const shard = ctx.shards.get(gid);
  if (list === undefined || shard === undefined) return;
  ctx.parked.delete(gid);
  for (const p of list) answerRead(ctx, p.h, shard, p.fromSeq, p.limit, p.maxBytes, false, true, nowMs);
}

/** After a commit: the parked reads of shards that got records are answered (before the publish). */
export function answerParked(ctx: OwnerContext, nowMs: number): void {
  for (const gid of ctx.appended) {
    const list = ctx.parked.get(gid);
    const shard = ctx.shards.get(gid);
    if (list === undefined || shard === undefined) continue;
    ctx.parked.delete(gid);
    for (const p of list) answerRead(ctx, p.h, shard, p.fromSeq, p.limit, p.maxBytes, false, true, nowMs);
  }
  ctx.appended.clear();
}

/** `push`: an enhanced fan-out read (READ_FLAG_UNMETERED; parked reads are); else GetRecords'. */
function answerRead(ctx: OwnerContext, h: Header, shard: ShardState, fromSeq: number, limit: number, maxBytes: number, metered: boolean, push: boolean, nowMs: number): void {
  let result: ReadResult;
  let behindAt: number | null;
  try {
    result = shard.log.read(fromSeq, limit, maxBytes);
    behindAt = shard.log.arrivalAt(result.nextSeq);
  } catch (err) {
    return void ctx.reply(h, damaged(ctx, shard, err));
  }
  if (metered) shard.chargeRead(result.bytes, nowMs);
  // A closed shard with nothing left from here (none read, or the last one was) is at its end: the
  // reply moves the reader there (an empty shard's end is past counter 0) and says so.
  const end = shard.closed && (result.records.length === 0 || result.nextSeq >= shard.nextSeq);
  const nextSeq = end ? Math.max(result.nextSeq, shard.nextSeq) : result.nextSeq;
  const w = ctx.reply(h, STATUS.OK, readReplyBytes(result.records));
  // AWS: "The number of milliseconds the GetRecords response is from the tip of the stream";
  // zero when nothing newer is waiting.
  const behindMs = behindAt === null || end ? 0 : Math.max(0, nowMs - behindAt);
  writeReadReply(w, nextSeq, behindMs, result.records);
  // GetRecords' reads; fan-out is counted per event sent, on the main thread.
  if (shard.metrics >= 0 && !push) countRead(ctx.metrics.words, shard.metrics, result, behindMs);
  if (end) setReplyFlags(w, READ_REPLY_SHARD_END);
}

/** Bytes are the records' data, as IncomingBytes counts them (writes.ts). */
function countRead(m: Float64Array, base: number, result: ReadResult, behindMs: number): void {
  let bytes = 0;
  for (const record of result.records) bytes += record.data.length;
  m[base + SHARD.GET_BYTES]! += bytes;
  m[base + SHARD.GET_RECORDS]! += result.records.length;
  m[base + SHARD.GET_BEHIND_MS] = behindMs;
}

/** POSITION: the counter a LATEST or AT_TIMESTAMP reader starts at. */
export function handlePosition(ctx: OwnerContext, h: Header, r: WireReader): void {
  const { gid, kind, value } = decodePosition(r);
  const shard = ctx.shards.get(gid);
  if (shard === undefined) return void ctx.reply(h, STATUS.SHARD_NOT_FOUND);
  if (shard.lost) return void ctx.reply(h, STATUS.LOST);
  let seq: number;
  try {
    seq = kind === POSITION_KIND.AT_TIMESTAMP ? (shard.log.seekTime(value) ?? shard.nextSeq) : shard.nextSeq;
  } catch (err) {
    return void ctx.reply(h, damaged(ctx, shard, err));
  }
  writePositionReply(ctx.reply(h, STATUS.OK, POSITION_REPLY_BYTES), seq);
}

/**
 * A read reached a record that fails its checks: the request fails with InternalFailure (as AWS
 * answers a read it cannot serve), and the server log says which shard, segment and byte.
 */
function damaged(ctx: OwnerContext, shard: ShardState, err: unknown): number {
  // A damaged record, or an I/O error of the read itself (EIO, EMFILE): that read fails, the owner
  // and its other shards go on. Anything else is a bug and stops the owner.
  const systemError = err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
  if (!(err instanceof LogCorruptError) && !systemError) throw err;
  const line = `riffle: shard log ${(shard.log as FileLog).dir}: ${(err as Error).message}; reads that reach it fail with InternalFailure`;
  if (!ctx.reported.has(line)) {
    ctx.reported.add(line);
    serverLog(line); // before the reply goes out (a worker's process.stderr is asynchronous)
  }
  return STATUS.INTERNAL;
}
