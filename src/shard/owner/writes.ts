import { INGEST_RECORD_FIXED_BYTES } from '../../native/ingest.js';
import { INGEST_REPLY_NON_ACK, ingestReplyBytes, PUT_FLAG_ORDERING, putReplyBytes, setReplyFlags, STATUS, writeIngestAck, writePutAck, type Header } from '../messages.js';
import type { WireReader } from '../wire.js';
import type { OwnerContext } from './context.js';
import { SHARD } from '../shard-metrics.js';

/**
 * PUT: records from PutRecord and PutRecords' object path. Each is refused if its shard is gone,
 * if its SequenceNumberForOrdering is from the shard's future, or if it is over the shard's write
 * limit; otherwise it gets the next counter. Its bytes are copied when the message is done.
 */
export function handlePut(ctx: OwnerContext, h: Header, r: WireReader, nowMs: number): void {
  const { shards, copies, appended } = ctx;
  const throttle = ctx.init.throttle;
  const m = ctx.metrics.words;
  const count = r.u32();
  const w = ctx.reply(h, STATUS.OK, putReplyBytes(count));
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
    if (shard === undefined) writePutAck(w, STATUS.SHARD_NOT_FOUND, 0);
    else if (shard.lost) writePutAck(w, STATUS.LOST, 0);
    // The edge routes nothing to a closed shard (it swaps its routing before sending CLOSE_SHARD).
    else if (shard.closed) writePutAck(w, STATUS.SHARD_CLOSED, 0);
    // A number from this shard's future: AWS rejects it rather than jump the sequence ahead.
    else if (ordering >= shard.nextSeq) writePutAck(w, STATUS.ORDERING_AHEAD, 0);
    else if (throttle && !shard.admitWrite(keyLen + dataLen, nowMs)) {
      writePutAck(w, STATUS.THROTTLED, 0);
      if (shard.metrics >= 0) m[shard.metrics + SHARD.WRITE_THROTTLED]! += 1;
    } else {
      writePutAck(w, STATUS.OK, shard.append(copies, at, keyLen, dataLen, nowMs));
      appended.add(gid);
      if (shard.metrics >= 0) countIncoming(m, shard.metrics, dataLen, nowMs);
    }
  }
}

/** INGEST: packed binary records; the reply entries are the WebSocket ACK entries. */
export function handleIngest(ctx: OwnerContext, h: Header, r: WireReader, nowMs: number): void {
  const { shards, copies, appended } = ctx;
  const throttle = ctx.init.throttle;
  const m = ctx.metrics.words;
  const count = r.u32();
  const w = ctx.reply(h, STATUS.OK, ingestReplyBytes(count));
  w.u32(count);
  const view = r.view;
  let pos = r.pos;
  let nonAck = false;
  for (let i = 0; i < count; i++) {
    const gid = view.getUint32(pos, true);
    const keyLen = view.getUint16(pos + 4, true);
    const dataLen = view.getUint32(pos + 6, true);
    const at = pos + INGEST_RECORD_FIXED_BYTES;
    pos = at + keyLen + dataLen;
    const shard = shards.get(gid);
    if (shard === undefined || shard.closed || shard.lost) {
      writeIngestAck(w, shard === undefined ? STATUS.SHARD_NOT_FOUND : shard.lost ? STATUS.LOST : STATUS.SHARD_CLOSED, shard?.index ?? 0, 0);
      nonAck = true;
    } else if (throttle && !shard.admitWrite(keyLen + dataLen, nowMs)) {
      writeIngestAck(w, STATUS.THROTTLED, shard.index, 0);
      if (shard.metrics >= 0) m[shard.metrics + SHARD.WRITE_THROTTLED]! += 1;
    } else {
      writeIngestAck(w, STATUS.OK, shard.index, shard.append(copies, at, keyLen, dataLen, nowMs));
      appended.add(gid);
      if (shard.metrics >= 0) countIncoming(m, shard.metrics, dataLen, nowMs);
    }
  }
  if (nonAck) setReplyFlags(w, INGEST_REPLY_NON_ACK);
}

/** IncomingBytes counts the data blobs (AWS: "the number of bytes successfully put"), not the keys. */
function countIncoming(m: Float64Array, base: number, dataLen: number, nowMs: number): void {
  m[base + SHARD.INCOMING_BYTES]! += dataLen;
  m[base + SHARD.INCOMING_RECORDS]! += 1;
  m[base + SHARD.LAST_ARRIVAL_MS] = nowMs;
}
