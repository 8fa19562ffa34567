import { encodeRead, decodeReadReplyHead, READ_FLAG_UNMETERED, READ_FLAG_WAIT, READ_REPLY_SHARD_END, STATUS } from '../shard/messages.js';
import type { OwnerPool } from '../shard/pool/owner-pool.js';
import { PUSH_READ_RECORDS_MAX } from '../limits.js';
import type { Shard, Stream } from './model.js';
import { ownerError } from './owner-status.js';

/** What the fan-out layer hears from the data plane (engine never imports fanout/). */
export interface PushListener {
  /** Whether anyone is subscribed to the stream's shards (else no work is done per put). */
  watching(stream: Stream): boolean;
  /** Records on `shard` were acknowledged: they are stored and may be pushed. */
  committed(stream: Stream, shard: Shard): void;
  /** A reshard closed `shard` (its end is known): its readers finish it and go on to its children. */
  closed(stream: Stream, shard: Shard): void;
}

/**
 * An enhanced fan-out read: the owner's READ reply records (each f64 counter, f64 arrival ms,
 * u16 key length, u32 data length, key, data; READ_RECORD_FIXED_BYTES before the key) copied
 * into `bytes` after `headroom` bytes the caller fills (the push frame's header).
 */
export interface PushRead {
  readonly fromSeq: number;
  /** The counter to read from next. */
  readonly nextSeq: number;
  readonly millisBehindLatest: number;
  readonly count: number;
  readonly bytes: Buffer;
  /** The shard is closed and this read reached its end: nothing will come after nextSeq. */
  readonly shardEnd: boolean;
}

/**
 * Enhanced fan-out's side of the data plane: reads for push (unmetered, optionally waiting at the
 * owner for the next commit), and the listener the write path tells of acknowledged records.
 */
export class PushReads {
  /** Set by the fan-out layer: told which shards got records, once they are acknowledged. */
  listener: PushListener | null = null;

  constructor(
    private readonly pool: OwnerPool,
    private readonly account: string,
  ) {}

  watching(stream: Stream): boolean {
    return this.listener?.watching(stream) ?? false;
  }

  committed(stream: Stream, shard: Shard): void {
    this.listener?.committed(stream, shard);
  }

  closed(stream: Stream, shard: Shard): void {
    this.listener?.closed(stream, shard);
  }

  /**
   * Records of `stream`'s `shard` from `fromSeq`, up to `maxBytes` (at least one record), not
   * charged to the shard's GetRecords quota (each consumer has its own limit, on the main thread).
   * With `wait`, a read that finds nothing is answered after the next commit that appends to the
   * shard instead (READ_FLAG_WAIT).
   */
  read(stream: Stream, shard: Shard, fromSeq: number, maxBytes: number, headroom: number, wait = false): Promise<PushRead> {
    return this.pool.request(
      shard.owner,
      (id) => encodeRead(id, shard.gid, fromSeq, PUSH_READ_RECORDS_MAX, maxBytes, READ_FLAG_UNMETERED | (wait ? READ_FLAG_WAIT : 0)),
      (h, r) => {
        if (h.status !== STATUS.OK) throw ownerError(h.status, { account: this.account, stream, shard });
        const { nextSeq, millisBehindLatest, count } = decodeReadReplyHead(r);
        // One copy out of the ring slot, records as the owner laid them out (no per-record work).
        const section = r.bytes.subarray(r.pos);
        const bytes = Buffer.allocUnsafe(headroom + section.length);
        bytes.set(section, headroom);
        return { fromSeq, nextSeq, millisBehindLatest, count, bytes, shardEnd: (h.flags & READ_REPLY_SHARD_END) !== 0 };
      },
    );
  }
}
