/**
 * Shard owner: a worker thread that owns many shards. It is the only writer of their logs: it
 * charges the token buckets, assigns sequence counters, appends, and acknowledges through the
 * reply ring. It blocks in Atomics.wait between batches (allowed in workers, never on main).
 * This file is the thread's entry and its loop; writes.ts, reads.ts, control.ts and commit.ts
 * handle the messages.
 */
import { workerData } from 'node:worker_threads';
import { setOpenFilesLimit } from '../../log/fd-cache.js';
import { MSG, readHeader, STATUS } from '../messages.js';
import type { OwnerInit } from '../owner-init.js';
import { WireReader } from '../wire.js';
import { OwnerContext } from './context.js';
import { serverLog } from './server-log.js';
import type { ShardLog } from '../../log/shard-log.js';
import { closeShard, createShard, deleteShard, trimShard, setRetention } from './control.js';
import { answerParked, handlePosition, handleRead } from './reads.js';
import { handleIngest, handlePut } from './writes.js';

const TRIM_INTERVAL_MS = 1000;
const IDLE_WAIT_MS = 200;
/** Messages handled before their replies are committed and published at the latest. */
const PUBLISH_EVERY = 64;

const ctx = new OwnerContext(workerData as OwnerInit);
setOpenFilesLimit(ctx.init.openFiles);

function handle(msg: Uint8Array, nowMs: number): void {
  ctx.copies.begin(msg);
  try {
    dispatch(msg, nowMs);
  } finally {
    // Appended records' bytes are in their arenas before anything can read them.
    ctx.copies.flush();
  }
}

function dispatch(msg: Uint8Array, nowMs: number): void {
  const r = new WireReader(msg);
  const h = readHeader(r);
  switch (h.type) {
    case MSG.PUT:
      return handlePut(ctx, h, r, nowMs);
    case MSG.INGEST:
      return handleIngest(ctx, h, r, nowMs);
    case MSG.READ:
      return handleRead(ctx, h, r, nowMs);
    case MSG.POSITION:
      return handlePosition(ctx, h, r);
    case MSG.CREATE_SHARD:
      return createShard(ctx, h, r, nowMs);
    case MSG.SET_RETENTION:
      return setRetention(ctx, h, r);
    case MSG.DELETE_SHARD:
      return deleteShard(ctx, h, r);
    case MSG.TRIM:
      return trimShard(ctx, h, r);
    case MSG.CLOSE_SHARD:
      return closeShard(ctx, h, r, nowMs);
    default:
      // A message type this owner does not know is a programmer error on the main side.
      return void ctx.reply(h, STATUS.INTERNAL);
  }
}

/** Commits what the handled messages appended, answers the reads waiting on it, and publishes. */
function publish(): void {
  ctx.committer.commitAll();
  answerParked(ctx, ctx.clock.now());
  ctx.replies.publish();
  ctx.requests.release();
}

/** Retention for one shard: a file it cannot delete now (EACCES, EIO) is tried again at the next trim, and says so once. */
function trim(log: ShardLog, cutoffMs: number): void {
  try {
    log.trimBefore(cutoffMs);
  } catch (err) {
    const line = `riffle: shard owner ${ctx.init.index}: retention could not delete a file (${(err as Error).message}); trying again`;
    if (!ctx.reported.has(line)) {
      ctx.reported.add(line);
      serverLog(line);
    }
  }
}

function run(): void {
  const { requests, clock } = ctx;
  const always = ctx.init.fsync === 'always';
  let lastTrimMs = clock.now();
  for (;;) {
    let handled = 0;
    for (let msg = requests.read(); msg !== null; msg = requests.read()) {
      handle(msg, clock.now());
      if (always) ctx.committer.commitAll();
      // Publish acks in batches: one atomic store (and one group commit) per batch of messages.
      if (++handled % PUBLISH_EVERY === 0) publish();
    }
    if (handled > 0) publish();
    const nowMs = clock.now();
    if (nowMs - lastTrimMs >= TRIM_INTERVAL_MS) {
      for (const shard of ctx.shards.values()) trim(shard.log, nowMs - shard.retentionMs);
      lastTrimMs = nowMs;
    }
    requests.waitForData(IDLE_WAIT_MS);
  }
}

run();
