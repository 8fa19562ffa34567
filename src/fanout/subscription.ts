/**
 * One enhanced fan-out subscription: a consumer reading one shard from a position, pushed to
 * whatever carries it (an event stream over HTTP, a WebSocket). Event-driven: at the shard's tip
 * it waits on the shard's feed, which reads each new range once for every subscription there
 * (shard-feed.ts); behind the feed's kept batches it reads from the shard owner for itself, one
 * read at a time, until it reaches them. No timer looks for data; timers only refill the
 * consumer's byte budget, send AWS's heartbeat event after 5 s without one, and end the session.
 *
 * Bounded: at most one read of its own in flight (READ_BYTES_MAX), and nothing is taken while the
 * transport is over its high-water mark (it resumes from its position on drain). Limited: a token
 * bucket of `bytesPerSec` (AWS: 2 MiB/s per consumer per shard), or none with --no-throttle.
 */
import { atShardEnd, childShardsOut } from '../engine/lineage.js';
import type { Consumer } from '../engine/model.js';
import type { PushReads } from '../engine/push-reads.js';
import type { Shard, Stream } from '../engine/model.js';
import { TokenBucket } from '../shard/token-bucket.js';
import { INTERNAL_FAILURE_MESSAGE, isAwsError } from '../aws/errors.js';
import { PushBatch, RECORDS_HEADER_BYTES } from './push-batch.js';
import { READ_BYTES_MAX, type FeedReader, type ShardFeed } from './shard-feed.js';

/** AWS sends an event at least every 5 seconds, with no records if there are none. */
export const HEARTBEAT_MS = 5_000;

/** Where a subscription's batches go. */
export interface PushSink {
  /** Sends one batch; false when the transport is backed up (the subscription waits for resume()). */
  push(batch: PushBatch): boolean;
  /** The subscription is over (session end, replaced, consumer or stream gone, failure). */
  end(error: { code: string; message: string } | null): void;
}

export interface SubscriptionOptions {
  readonly reads: PushReads;
  readonly feed: ShardFeed;
  readonly now: () => number;
  /** 0: unlimited. */
  readonly bytesPerSec: number;
  /** When the session ends on its own (AWS: 5 minutes); 0: never. */
  readonly sessionMs: number;
  /** Each event sent (records, heartbeats, the shard's end): for the metrics. */
  readonly sent?: (batch: PushBatch) => void;
}

export class Subscription implements FeedReader {
  private reading = false;
  /** Records may be there for a read of its own (acknowledged since, or the last read found some). */
  private pending = true;
  private paused = false;
  private ended = false;
  private readonly bucket: TokenBucket | null;
  private refillTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly sessionTimer: NodeJS.Timeout | null;
  private millisBehind = 0;
  /** Called once when the subscription ends (the hub forgets it). */
  onEnd: () => void = () => undefined;

  constructor(
    readonly consumer: Consumer,
    readonly stream: Stream,
    readonly shard: Shard,
    /** The next counter to push. */
    public position: number,
    private readonly sink: PushSink,
    private readonly options: SubscriptionOptions,
  ) {
    this.bucket = options.bytesPerSec > 0 ? new TokenBucket(options.bytesPerSec, options.now()) : null;
    this.sessionTimer = options.sessionMs > 0 ? setTimeout(() => this.end(null), options.sessionMs) : null;
    this.sessionTimer?.unref();
    options.feed.readers.add(this);
    this.armHeartbeat();
  }

  get active(): boolean {
    return !this.ended;
  }

  /** The last event's MillisBehindLatest: how far this consumer is behind the shard's tip. */
  get millisBehindLatest(): number {
    return this.millisBehind;
  }

  /** Records were acknowledged on this shard. */
  notify(): void {
    this.pending = true;
    this.kick();
  }

  /** The feed has a batch at this position. */
  wake(): void {
    this.kick();
  }

  /** The feed's read failed. */
  fail(err: unknown): void {
    if (isAwsError(err) && err.code === 'ResourceNotFoundException') return this.end({ code: err.code, message: err.message });
    this.end({ code: 'InternalFailureException', message: INTERNAL_FAILURE_MESSAGE });
  }

  /** The transport drained: go on from the position. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.kick();
  }

  /** Ends the subscription; `error` is sent first when the transport can carry one. */
  end(error: { code: string; message: string } | null): void {
    if (this.ended) return;
    this.ended = true;
    if (this.sessionTimer !== null) clearTimeout(this.sessionTimer);
    if (this.refillTimer !== null) clearTimeout(this.refillTimer);
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.options.feed.remove(this);
    this.onEnd();
    this.sink.end(error);
  }

  /** Pushes what the feed keeps from the position on; then waits on the feed or reads for itself. */
  private kick(): void {
    const feed = this.options.feed;
    while (!this.ended && !this.reading && !this.paused && this.refillTimer === null) {
      const budget = this.budget();
      if (budget === 0) return;
      const kept = feed.batchAt(this.position);
      if (kept !== null) {
        this.deliver(kept.from(this.position, budget));
        feed.release();
        continue;
      }
      if (atShardEnd(this.shard, this.position)) return this.finishShard();
      const where = feed.await(this);
      // Behind the feed, records are there whatever was acknowledged since; ahead of it, only if some were.
      if (where === 'behind' || (where === 'ahead' && this.pending)) this.readOwn(Math.min(READ_BYTES_MAX, budget));
      return;
    }
  }

  /** Bytes this subscription may take now (Infinity without a limit); 0 after arming the refill wait. */
  private budget(): number {
    if (this.bucket === null) return Infinity;
    const tokens = this.bucket.peek(this.options.now());
    if (tokens >= 1) return Math.floor(tokens);
    // Out of budget: wait until it is positive again (a batch always carries at least one record).
    const waitMs = Math.max(1, Math.ceil(((1 - tokens) * 1000) / this.options.bytesPerSec));
    this.refillTimer = setTimeout(() => {
      this.refillTimer = null;
      this.kick();
    }, waitMs);
    return 0;
  }

  private readOwn(maxBytes: number): void {
    this.reading = true;
    this.pending = false;
    this.options.reads.read(this.stream, this.shard, this.position, maxBytes, RECORDS_HEADER_BYTES).then(
      (read) => {
        this.reading = false;
        if (this.ended) return;
        this.millisBehind = read.millisBehindLatest;
        if (read.count > 0 || read.nextSeq !== this.position) {
          try {
            this.deliver(PushBatch.fromRead(this.shard, read));
          } catch (err) {
            return this.fail(err);
          }
        }
        this.kick();
      },
      (err: unknown) => {
        this.reading = false;
        this.fail(err);
      },
    );
  }

  /** At a closed shard's end: the last event names its children (no continuation), and the subscription ends. */
  private finishShard(): void {
    this.send(PushBatch.shardEnd(this.shard, this.position, childShardsOut(this.stream, this.shard)));
    this.end(null);
  }

  private deliver(batch: PushBatch): void {
    this.millisBehind = batch.millisBehindLatest;
    this.position = batch.nextSeq;
    if (batch.count === 0) return; // a range with nothing left in it: no event
    // More may be waiting behind these records: a read of its own may look (see ShardFeed.await).
    this.pending = true;
    this.bucket?.charge(batch.bytes, this.options.now());
    this.send(batch);
  }

  private send(batch: PushBatch): void {
    if (this.ended) return;
    this.options.sent?.(batch);
    if (!this.sink.push(batch)) this.paused = true;
    this.armHeartbeat();
  }

  /** An event with no records after HEARTBEAT_MS of silence, as AWS sends. */
  private armHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = null;
      if (this.ended) return;
      if (this.paused) return this.armHeartbeat();
      this.send(PushBatch.empty(this.shard, this.position, this.position, this.millisBehind));
    }, HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }
}
