/**
 * Shard owner: a worker thread that owns many shards. It is the only writer of their logs: it
 * charges the token buckets, assigns sequence counters, appends, and acknowledges through the
 * reply ring. It blocks in Atomics.wait between batches (allowed in workers, never on main).
 */
import { writeSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { workerData } from 'node:worker_threads';
import { native } from '../../native/index.js';
import { ByteRing } from '../../ring/byte-ring.js';
import { WIRE_ERROR } from '../../aws/errors.js';
import { WireReader, WireWriter } from '../wire.js';
import {
  HEADER_BYTES,
  INGEST_ACK_BYTES,
  INGEST_STATUS,
  MSG,
  POSITION_KIND,
  PUT_ACK_BYTES,
  PUT_FLAG_ORDERING,
  READ_FLAG_UNMETERED,
  READ_FLAG_WAIT,
  PARKED_READS_MAX,
  READ_RECORD_FIXED_BYTES,
  readHeader,
  writeHeader,
  type Header,
} from '../messages.js';
import { ShardState, type OwnerInit } from './shard-state.js';
import { SharedClock } from '../clock.js';
import { CopyBatch } from './copy-batch.js';
import { FileLog, LogCorruptError } from '../../log/file-log.js';
import type { ReadResult, ShardLog } from '../../log/shard-log.js';
import { INGEST_RECORD_FIXED_BYTES } from '../../native/ingest.js';

const init = workerData as OwnerInit;
const requests = new ByteRing(init.requestRing);
const replies = new ByteRing(init.replyRing);
const shards = new Map<number, ShardState>();
const clock = new SharedClock(init.clock);
const copies = new CopyBatch();
const TRIM_INTERVAL_MS = 1000;
const IDLE_WAIT_MS = 200;

/** A reply slot; waits (blocking this worker only) while the main thread drains the ring. */
/** Durable logs with records appended since the last commit. */
const dirty = new Set<ShardLog>();

/**
 * Writes (and, unless --fsync never, syncs) every durable log with new records. Runs before any
 * reply is published: an acknowledged record is on disk. A disk error is thrown out of the worker,
 * so the main thread fails this owner's requests with InternalFailure instead of acknowledging.
 */
function commitAll(): void {
  if (dirty.size === 0) return;
  for (const log of dirty) (log as FileLog).commit();
  if (init.fsync !== 'never') syncAll(dirty as Set<FileLog>);
  dirty.clear();
}

let syncFds = new Int32Array(16);
let syncErrs = new Int32Array(16);
const syncLogs: FileLog[] = [];

/**
 * fdatasync of every log written since its last sync, all at once: the cost of a group commit is
 * one journal commit however many shards this owner writes.
 */
function syncAll(logs: Set<FileLog>): void {
  syncLogs.length = 0;
  for (const log of logs) if (log.unsyncedFd !== -1) syncLogs.push(log);
  if (syncLogs.length > syncFds.length) {
    syncFds = new Int32Array(2 * syncLogs.length);
    syncErrs = new Int32Array(2 * syncLogs.length);
  }
  syncLogs.forEach((log, i) => (syncFds[i] = log.unsyncedFd));
  // At most 64 threads at a time, however many shards this owner writes.
  for (let from = 0; from < syncLogs.length; from += 64) {
    const n = Math.min(64, syncLogs.length - from);
    native.fdatasyncAll(syncFds.subarray(from, from + n), n, syncErrs.subarray(from, from + n));
  }
  syncLogs.forEach((log, i) => {
    const errno = syncErrs[i] as number;
    if (errno !== 0) throw new Error(`fdatasync of ${log.dir} failed: ${getSystemErrorName(-errno)}`);
    log.markSynced();
  });
}

function reserveReply(len: number): WireWriter {
  for (;;) {
    const slot = replies.reserve(len);
    if (slot !== null) return new WireWriter(slot);
    commitAll();
    replies.publish();
    replies.waitForSpace(50);
  }
}

function replyStatus(h: Header, status: number, extra = 0): WireWriter {
  const w = reserveReply(HEADER_BYTES + extra);
  writeHeader(w, h.type, status, h.requestId);
  return w;
}

function handlePut(h: Header, r: WireReader, nowMs: number): void {
  const count = r.u32();
  const w = replyStatus(h, WIRE_ERROR.OK, 4 + count * PUT_ACK_BYTES);
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const gid = r.u32();
    const dataLen = r.u32();
    const keyLen = r.u16();
    const flags = r.u16();
    const ordering = flags & PUT_FLAG_ORDERING ? r.f64() : -1;
    const at = r.pos; // key, then data right after it
    r.pos += keyLen + dataLen;
    const shard = shards.get(gid);
    if (shard === undefined) {
      w.u8(WIRE_ERROR.SHARD_NOT_FOUND);
      w.f64(0);
      continue;
    }
    if (ordering >= shard.nextSeq) {
      // A number from this shard's future: AWS rejects it rather than jump the sequence ahead.
      w.u8(WIRE_ERROR.ORDERING_AHEAD);
      w.f64(0);
      continue;
    }
    if (init.throttle && !shard.admitWrite(keyLen + dataLen, nowMs)) {
      w.u8(WIRE_ERROR.THROTTLED);
      w.f64(0);
      continue;
    }
    w.u8(WIRE_ERROR.OK);
    w.f64(shard.append(copies, at, keyLen, dataLen, nowMs));
    appended.add(gid);
  }
}

/** INGEST: packed binary records; the reply entries are the WebSocket ACK entries verbatim. */
function handleIngest(h: Header, r: WireReader, nowMs: number): void {
  const count = r.u32();
  const w = replyStatus(h, WIRE_ERROR.OK, 4 + count * INGEST_ACK_BYTES);
  w.u32(count);
  const view = r.view;
  let pos = r.pos;
  for (let i = 0; i < count; i++) {
    const gid = view.getUint32(pos, true);
    const keyLen = view.getUint16(pos + 4, true);
    const dataLen = view.getUint32(pos + 6, true);
    const at = pos + INGEST_RECORD_FIXED_BYTES;
    pos = at + keyLen + dataLen;
    const shard = shards.get(gid);
    if (shard === undefined) {
      w.u8(INGEST_STATUS.INTERNAL);
      w.u32(0);
      w.f64(0);
    } else if (init.throttle && !shard.admitWrite(keyLen + dataLen, nowMs)) {
      w.u8(INGEST_STATUS.THROTTLED);
      w.u32(shard.index);
      w.f64(0);
    } else {
      w.u8(INGEST_STATUS.OK);
      w.u32(shard.index);
      w.f64(shard.append(copies, at, keyLen, dataLen, nowMs));
      appended.add(gid);
    }
  }
}

interface ParkedRead {
  h: Header;
  fromSeq: number;
  limit: number;
  maxBytes: number;
}

/** READ_FLAG_WAIT reads that found nothing, by shard gid, answered after the next commit that appends there. */
const parked = new Map<number, ParkedRead[]>();
/** Shards appended to since the last commit. */
const appended = new Set<number>();

function handleRead(h: Header, r: WireReader, nowMs: number): void {
  const gid = r.u32();
  const limit = r.u32();
  const maxBytes = r.u32();
  const fromSeq = r.f64();
  const flags = r.u8();
  const metered = init.throttle && (flags & READ_FLAG_UNMETERED) === 0;
  const shard = shards.get(gid);
  if (shard === undefined) return void replyStatus(h, WIRE_ERROR.SHARD_NOT_FOUND);
  if (metered && !shard.admitRead(nowMs)) return void replyStatus(h, WIRE_ERROR.READ_THROTTLED);
  if ((flags & READ_FLAG_WAIT) !== 0 && fromSeq >= shard.nextSeq) {
    const list = parked.get(gid) ?? [];
    // Full: the oldest is answered (empty) to make room; its reader is likely gone.
    const oldest = list.length >= PARKED_READS_MAX ? list.shift() : undefined;
    if (oldest !== undefined) answerRead(oldest.h, shard, oldest.fromSeq, oldest.limit, oldest.maxBytes, false, nowMs);
    list.push({ h, fromSeq, limit, maxBytes });
    parked.set(gid, list);
    return;
  }
  answerRead(h, shard, fromSeq, limit, maxBytes, metered, nowMs);
}

/** After a commit: the parked reads of shards that got records are answered (before the publish). */
function answerParked(nowMs: number): void {
  for (const gid of appended) {
    const list = parked.get(gid);
    const shard = shards.get(gid);
    if (list === undefined || shard === undefined) continue;
    parked.delete(gid);
    for (const p of list) answerRead(p.h, shard, p.fromSeq, p.limit, p.maxBytes, false, nowMs);
  }
  appended.clear();
}

function answerRead(h: Header, shard: ShardState, fromSeq: number, limit: number, maxBytes: number, metered: boolean, nowMs: number): void {
  let result: ReadResult;
  let behindAt: number | null;
  try {
    result = shard.log.read(fromSeq, limit, maxBytes);
    behindAt = shard.log.arrivalAt(result.nextSeq);
  } catch (err) {
    return void replyStatus(h, damaged(shard, err));
  }
  if (metered) shard.chargeRead(result.bytes, nowMs);
  let size = 20;
  for (const rec of result.records) size += READ_RECORD_FIXED_BYTES + rec.key.length + rec.data.length;
  const w = replyStatus(h, WIRE_ERROR.OK, size);
  w.f64(result.nextSeq);
  // AWS: "The number of milliseconds the GetRecords response is from the tip of the stream";
  // zero when nothing newer is waiting.
  w.f64(behindAt === null ? 0 : Math.max(0, nowMs - behindAt));
  w.u32(result.records.length);
  for (const rec of result.records) {
    w.f64(rec.seq);
    w.f64(rec.arrivalMs);
    w.u16(rec.key.length);
    w.u32(rec.data.length);
    w.raw(rec.key);
    w.raw(rec.data);
  }
}

function handlePosition(h: Header, r: WireReader): void {
  const gid = r.u32();
  const kind = r.u8();
  const value = r.f64();
  const shard = shards.get(gid);
  if (shard === undefined) return void replyStatus(h, WIRE_ERROR.SHARD_NOT_FOUND);
  let seq: number;
  try {
    seq = kind === POSITION_KIND.AT_TIMESTAMP ? (shard.log.seekTime(value) ?? shard.nextSeq) : shard.nextSeq;
  } catch (err) {
    return void replyStatus(h, damaged(shard, err));
  }
  replyStatus(h, WIRE_ERROR.OK, 8).f64(seq);
}

/** Damaged segments already reported (each is reported once, however many reads reach it). */
const reported = new Set<string>();

/**
 * A read reached a record that fails its checks: the request fails with InternalFailure (as AWS
 * answers a read it cannot serve), and the server log says which shard, segment and byte.
 */
function damaged(shard: ShardState, err: unknown): number {
  // A damaged record, or an I/O error of the read itself (EIO, EMFILE): that read fails, the owner
  // and its other shards go on. Anything else is a bug and stops the owner.
  const systemError = err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
  if (!(err instanceof LogCorruptError) && !systemError) throw err;
  const line = `riffle: shard log ${(shard.log as FileLog).dir}: ${(err as Error).message}; reads that reach it fail with InternalFailure`;
  if (!reported.has(line)) {
    reported.add(line);
    writeSync(2, line + '\n'); // before the reply goes out (a worker's process.stderr is asynchronous)
  }
  return WIRE_ERROR.INTERNAL;
}

function handle(msg: Uint8Array, nowMs: number): void {
  copies.begin(msg);
  try {
    dispatch(msg, nowMs);
  } finally {
    // Appended records' bytes are in their arenas before anything can read them.
    copies.flush();
  }
}

function dispatch(msg: Uint8Array, nowMs: number): void {
  const r = new WireReader(msg);
  const h = readHeader(r);
  switch (h.type) {
    case MSG.PUT:
      return handlePut(h, r, nowMs);
    case MSG.INGEST:
      return handleIngest(h, r, nowMs);
    case MSG.READ:
      return handleRead(h, r, nowMs);
    case MSG.POSITION:
      return handlePosition(h, r);
    case MSG.CREATE_SHARD: {
      const gid = r.u32();
      const retentionMs = r.f64();
      const index = r.u32();
      const dir = Buffer.from(r.raw(r.u16())).toString('utf8');
      if (dir === '') {
        shards.set(gid, new ShardState(index, retentionMs, init.limits, nowMs));
        return void replyStatus(h, WIRE_ERROR.OK);
      }
      let opened: ReturnType<typeof FileLog.open>;
      try {
        opened = FileLog.open(dir, { segmentBytes: init.segmentBytes, segmentMs: init.segmentMs, hotBytes: init.hotBytes });
      } catch (err) {
        const text = Buffer.from(`cannot open shard log ${dir}: ${(err as Error).message}`, 'utf8');
        const w = replyStatus(h, WIRE_ERROR.INTERNAL, 28 + text.length);
        w.f64(0);
        w.f64(0);
        w.f64(0);
        w.u32(text.length);
        w.raw(text);
        return;
      }
      const { log, recovery } = opened;
      const shard = new ShardState(index, retentionMs, init.limits, nowMs, log, dirty);
      shard.resume(recovery.nextSeq, recovery.lastArrivalMs);
      // Records that expired while the server was down are not served, not even until the next trim.
      log.trimBefore(nowMs - retentionMs);
      shards.set(gid, shard);
      const text = Buffer.from(recovery.notes.join('\n'), 'utf8');
      const w = replyStatus(h, WIRE_ERROR.OK, 28 + text.length);
      w.f64(recovery.records);
      w.f64(shard.nextSeq);
      w.f64(recovery.truncatedBytes);
      w.u32(text.length);
      w.raw(text);
      return;
    }
    case MSG.SET_RETENTION: {
      const shard = shards.get(r.u32());
      if (shard !== undefined) shard.retentionMs = r.f64();
      return void replyStatus(h, shard === undefined ? WIRE_ERROR.SHARD_NOT_FOUND : WIRE_ERROR.OK);
    }
    case MSG.DELETE_SHARD: {
      const gid = r.u32();
      const log = shards.get(gid)?.log;
      if (log !== undefined) dirty.delete(log);
      log?.dispose();
      shards.delete(gid);
      for (const p of parked.get(gid) ?? []) replyStatus(p.h, WIRE_ERROR.SHARD_NOT_FOUND);
      parked.delete(gid);
      return void replyStatus(h, WIRE_ERROR.OK);
    }
    default:
      // A message type this owner does not know is a programmer error on the main side.
      return void replyStatus(h, WIRE_ERROR.INTERNAL);
  }
}

function run(): void {
  let lastTrimMs = clock.now();
  for (;;) {
    let handled = 0;
    for (let msg = requests.read(); msg !== null; msg = requests.read()) {
      handle(msg, clock.now());
      if (init.fsync === 'always') commitAll();
      // Publish acks in batches: one atomic store (and one group commit) per batch of messages.
      if (++handled % 64 === 0) {
        commitAll();
        answerParked(clock.now());
        replies.publish();
        requests.release();
      }
    }
    if (handled > 0) {
      commitAll();
      answerParked(clock.now());
      replies.publish();
      requests.release();
    }
    const nowMs = clock.now();
    if (nowMs - lastTrimMs >= TRIM_INTERVAL_MS) {
      for (const shard of shards.values()) shard.log.trimBefore(nowMs - shard.retentionMs);
      lastTrimMs = nowMs;
    }
    requests.waitForData(IDLE_WAIT_MS);
  }
}

run();
