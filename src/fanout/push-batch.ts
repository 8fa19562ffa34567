/**
 * A batch of one shard's records as pushed to consumers, kept in the form it goes out on a
 * WebSocket: a RECORDS frame (docs/ws-protocol.md, "Push"). The frame's records are the shard
 * owner's READ reply bytes as they came out of the ring (the layouts are the same), behind a
 * 28-byte header, so building a batch costs one copy and a scan of the record lengths (an offset
 * index, which also checks the layout), and one batch is sent as-is to every subscription at that
 * point in the shard. Decoded records (for the AWS event stream) and other encodings are made on
 * first use and kept with the batch, so they too are made once however many subscriptions push it.
 *
 * Immutable once made: transports may hold `frame` (or views of it) after sending.
 */
import type { ChildShardOut } from '../engine/lineage.js';
import type { PushRead } from '../engine/push-reads.js';
import type { Shard } from '../engine/model.js';
import { READ_RECORD_FIXED_BYTES, type ReadRecord } from '../shard/messages.js';

export const RECORDS_FRAME = 4;
export const PUSH_PROTOCOL_VERSION = 1;
/** u8 type, u8 version, u16 0, u32 shard index, f64 millisBehindLatest, f64 continuation counter, u32 count. */
export const RECORDS_HEADER_BYTES = 28;
/** Per record: f64 counter, f64 arrival ms, u16 key length, u32 data length; then key, then data. */
export const PUSH_RECORD_FIXED_BYTES = READ_RECORD_FIXED_BYTES;

const DATA_BYTES = Symbol('dataBytes');

export class PushBatch {
  /** Where each record starts in `frame`. */
  private readonly starts: Uint32Array;
  private decoded: ReadRecord[] | null = null;
  private memos: Map<symbol, unknown> | null = null;
  /**
   * Set on the last batch of a closed shard (no records, at its end): its children, which the
   * reader goes on to (SubscribeToShard's last event carries them, with no continuation).
   */
  childShards: readonly ChildShardOut[] | null = null;

  /**
   * `frame` holds RECORDS_HEADER_BYTES of room (written here), then `count` records. The batch
   * covers counters [fromSeq, nextSeq): its records are those of the shard in that range.
   */
  private constructor(
    readonly shard: Shard,
    readonly frame: Buffer,
    readonly count: number,
    readonly fromSeq: number,
    readonly nextSeq: number,
    readonly millisBehindLatest: number,
  ) {
    this.starts = new Uint32Array(count);
    let at = RECORDS_HEADER_BYTES;
    for (let i = 0; i < count; i++) {
      this.starts[i] = at;
      at += PUSH_RECORD_FIXED_BYTES + frame.readUInt16LE(at + 16) + frame.readUInt32LE(at + 18);
    }
    if (at !== frame.length) throw new Error(`push batch: ${count} records end at byte ${at} of ${frame.length}`);
    frame[0] = RECORDS_FRAME;
    frame[1] = PUSH_PROTOCOL_VERSION;
    frame.writeUInt16LE(0, 2);
    frame.writeUInt32LE(shard.index, 4);
    frame.writeDoubleLE(millisBehindLatest, 8);
    frame.writeDoubleLE(this.continuation, 16);
    frame.writeUInt32LE(count, 24);
  }

  /** A batch from an owner read made with RECORDS_HEADER_BYTES of headroom. */
  static fromRead(shard: Shard, read: PushRead): PushBatch {
    return new PushBatch(shard, read.bytes, read.count, read.fromSeq, read.nextSeq, read.millisBehindLatest);
  }

  /** No records: AWS's heartbeat event, or a range with nothing left in it. */
  static empty(shard: Shard, fromSeq: number, nextSeq: number, millisBehindLatest: number): PushBatch {
    return new PushBatch(shard, Buffer.allocUnsafe(RECORDS_HEADER_BYTES), 0, fromSeq, nextSeq, millisBehindLatest);
  }

  /** The end of a closed shard: no records, and the children to go on to. */
  static shardEnd(shard: Shard, endCounter: number, children: readonly ChildShardOut[]): PushBatch {
    const batch = PushBatch.empty(shard, endCounter, endCounter, 0);
    batch.childShards = children;
    return batch;
  }

  /**
   * The counter a reader continues after (AFTER_SEQUENCE_NUMBER): the last record's, or the one
   * before nextSeq when there are none (counter 0, the shard's starting number, is before every record).
   */
  get continuation(): number {
    return this.count > 0 ? this.seqAt(this.count - 1) : Math.max(0, this.nextSeq - 1);
  }

  /** Key and data bytes, what a consumer's push limit is charged. */
  get bytes(): number {
    return this.frame.length - RECORDS_HEADER_BYTES - PUSH_RECORD_FIXED_BYTES * this.count;
  }

  /** Data bytes only (what IncomingBytes and SubscribeToShardEvent.Bytes count), summed once. */
  get dataBytes(): number {
    return this.memo(DATA_BYTES, () => {
      let n = 0;
      for (let i = 0; i < this.count; i++) n += this.frame.readUInt32LE((this.starts[i] as number) + 18);
      return n;
    });
  }

  seqAt(i: number): number {
    return this.frame.readDoubleLE(this.starts[i] as number);
  }

  /** The records, decoded on first use; each `data` is a view of the frame. */
  records(): readonly ReadRecord[] {
    if (this.decoded !== null) return this.decoded;
    const f = this.frame;
    const out: ReadRecord[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const at = this.starts[i] as number;
      const keyAt = at + PUSH_RECORD_FIXED_BYTES;
      const dataAt = keyAt + f.readUInt16LE(at + 16);
      out[i] = { seq: f.readDoubleLE(at), arrivalMs: f.readDoubleLE(at + 8), key: f.toString('utf8', keyAt, dataAt), data: f.subarray(dataAt, dataAt + f.readUInt32LE(at + 18)) };
    }
    return (this.decoded = out);
  }

  /**
   * The part of this batch from `position` (which it covers) holding at most `maxBytes` of keys
   * and data, but at least one record: the batch itself when that is all of it, else a copy.
   */
  from(position: number, maxBytes: number): PushBatch {
    // The first record at or after `position` (counters rise through the batch).
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqAt(mid) < position) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    let bytes = 0;
    while (end < this.count) {
      const next = this.recordEnd(end) - (this.starts[end] as number) - PUSH_RECORD_FIXED_BYTES;
      if (end > lo && bytes + next > maxBytes) break;
      bytes += next;
      end++;
    }
    if (lo === 0 && end === this.count) return this;
    const first = lo < this.count ? (this.starts[lo] as number) : this.frame.length;
    const last = end > lo ? this.recordEnd(end - 1) : first;
    const frame = Buffer.allocUnsafe(RECORDS_HEADER_BYTES + (last - first));
    this.frame.copy(frame, RECORDS_HEADER_BYTES, first, last);
    const nextSeq = end === this.count ? this.nextSeq : this.seqAt(end);
    return new PushBatch(this.shard, frame, end - lo, Math.max(position, this.fromSeq), nextSeq, this.millisBehindLatest);
  }

  /** A value derived from this batch (an encoded event), made once and kept with it. */
  memo<T>(key: symbol, make: () => T): T {
    this.memos ??= new Map();
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  private recordEnd(i: number): number {
    return i + 1 < this.count ? (this.starts[i + 1] as number) : this.frame.length;
  }
}
