import { FileLog } from '../../log/file-log.js';
import { CLOSE_REPLY_BYTES, decodeShardControl, recoveryReplyBytes, SHARD_FLAG_LOST, SHARD_FLAG_UNMETERED, STATUS, writeRecovery, type Header } from '../messages.js';
import type { WireReader } from '../wire.js';
import type { OwnerContext } from './context.js';
import { answerParkedOf } from './reads.js';
import { ShardState } from './shard-state.js';
import { serverLog } from './server-log.js';

/**
 * CREATE_SHARD: in memory, or durable: the shard's directory is opened and recovered (torn tail
 * cut, counter restored above everything on disk) and the reply says what was found and repaired.
 */
export function createShard(ctx: OwnerContext, h: Header, r: WireReader, nowMs: number): void {
  const { gid, retentionMs, index, dir } = decodeShardControl(r);
  const { init } = ctx;
  const metered = (h.flags & SHARD_FLAG_UNMETERED) === 0;
  // Already open (a retried reopen after a replacement that opened it too): opening its directory
  // a second time would give it two logs. Answered as a recovery that found nothing new.
  const open = ctx.shards.get(gid);
  if (open !== undefined) {
    if (dir === '') return void ctx.reply(h, STATUS.OK);
    const none = Buffer.alloc(0);
    return void writeRecovery(ctx.reply(h, STATUS.OK, recoveryReplyBytes(none)), 0, open.nextSeq, 0, none);
  }
  if (dir === '') {
    const shard = new ShardState(index, retentionMs, init.limits, nowMs, metered);
    shard.lost = (h.flags & SHARD_FLAG_LOST) !== 0;
    if (init.countMetrics) shard.metrics = ctx.metrics.claim(gid);
    ctx.shards.set(gid, shard);
    return void ctx.reply(h, STATUS.OK);
  }
  let opened: ReturnType<typeof FileLog.open>;
  try {
    opened = FileLog.open(dir, { segmentBytes: init.segmentBytes, segmentMs: init.segmentMs, hotBytes: init.hotBytes, syncOnClose: init.fsync !== 'never' });
  } catch (err) {
    // The path and the OS's words go to the server log only; the client is told to look there.
    serverLog(`riffle: cannot open shard log ${dir}: ${(err as Error).message}`);
    const code = (err as NodeJS.ErrnoException).code;
    const text = Buffer.from(`The shard's log could not be opened${code === undefined ? '' : ` (${code})`}; the server log says why.`, 'utf8');
    return void writeRecovery(ctx.reply(h, STATUS.INTERNAL, recoveryReplyBytes(text)), 0, 0, 0, text);
  }
  const { log, recovery } = opened;
  const shard = new ShardState(index, retentionMs, init.limits, nowMs, metered, log, ctx.committer.dirty);
  shard.resume(recovery.nextSeq, recovery.lastArrivalMs);
  // Records that expired while the server was down are not served, not even until the next trim.
  log.trimBefore(nowMs - retentionMs);
  if (init.countMetrics) shard.metrics = ctx.metrics.claim(gid);
  ctx.shards.set(gid, shard);
  const text = Buffer.from(recovery.notes.join('\n'), 'utf8');
  writeRecovery(ctx.reply(h, STATUS.OK, recoveryReplyBytes(text)), recovery.records, shard.nextSeq, recovery.truncatedBytes, text);
}

export function setRetention(ctx: OwnerContext, h: Header, r: WireReader): void {
  const { gid, retentionMs } = decodeShardControl(r);
  const shard = ctx.shards.get(gid);
  if (shard !== undefined) shard.retentionMs = retentionMs;
  ctx.reply(h, shard === undefined ? STATUS.SHARD_NOT_FOUND : STATUS.OK);
}

/** TRIM: drops the records that arrived before the time given (internal logs, once delivered). */
export function trimShard(ctx: OwnerContext, h: Header, r: WireReader): void {
  const { gid, retentionMs: cutoffMs } = decodeShardControl(r);
  const shard = ctx.shards.get(gid);
  shard?.log.trimBefore(cutoffMs);
  ctx.reply(h, shard === undefined ? STATUS.SHARD_NOT_FOUND : STATUS.OK);
}

/** DELETE_SHARD: its log is disposed of; reads parked on it are answered SHARD_NOT_FOUND. */
export function deleteShard(ctx: OwnerContext, h: Header, r: WireReader): void {
  const { gid } = decodeShardControl(r);
  const shard = ctx.shards.get(gid);
  const log = shard?.log;
  if (log !== undefined) ctx.committer.forget(log);
  log?.dispose();
  if (shard !== undefined) ctx.metrics.release(shard.metrics);
  ctx.shards.delete(gid);
  for (const p of ctx.parked.get(gid) ?? []) ctx.reply(p.h, STATUS.SHARD_NOT_FOUND);
  ctx.parked.delete(gid);
  ctx.reply(h, STATUS.OK);
}

/**
 * CLOSE_SHARD: a reshard closed the shard. It takes no more records (the edge already routes its
 * keys to the children); the reply is the counter past its last record, then the reads parked at
 * its end are answered with READ_REPLY_SHARD_END. Closing a closed shard answers the same counter.
 */
export function closeShard(ctx: OwnerContext, h: Header, r: WireReader, nowMs: number): void {
  const { gid } = decodeShardControl(r);
  const shard = ctx.shards.get(gid);
  if (shard === undefined) return void ctx.reply(h, STATUS.SHARD_NOT_FOUND);
  shard.closed = true;
  ctx.reply(h, STATUS.OK, CLOSE_REPLY_BYTES).f64(shard.nextSeq);
  answerParkedOf(ctx, gid, nowMs);
}
