/**
 * One enhanced fan-out subscription: a consumer reading one shard from a position, pushed to
 * whatever carries it (an event stream over HTTP, a WebSocket). Event-driven: it reads from the
 * shard owner when the hub says records were acknowledged on its shard, keeps reading while reads
 * return records, and otherwise sleeps. No timer looks for data; timers only refill the consumer's
 * byte budget, send AWS's heartbeat event after 5 s without one, and end the session.
 *
 * Bounded: one read in flight (at most READ_BYTES_MAX), and no read while the transport is over
 * its high-water mark (it resumes from its position on drain). Limited: a token bucket of
 * `bytesPerSec` (AWS: 2 MiB/s per consumer per shard), or none with --no-throttle.
 */
import type { Consumer } from '../engine/consumers.js';
import type { RecordPlane } from '../engine/records.js';
import type { Shard, Stream } from '../engine/stream.js';
import type { ReadRecord } from '../shard/messages.js';
import { TokenBucket } from '../shard/token-bucket.js';
import { isKinesisError } from '../errors.js';

/** Bytes asked of the shard owner per read at most. */
const READ_BYTES_MAX = 1024 * 1024;
/** AWS sends an event at least every 5 seconds, with no records if there are none. */
export const HEARTBEAT_MS = 5_000;

export interface PushBatch {
  readonly shard: Shard;
  readonly records: readonly ReadRecord[];
  /** Counter to continue from (one past the last record pushed). */
  readonly nextSeq: number;
  readonly millisBehindLatest: number;
}

/** Where a subscription's batches go. */
export interface PushSink {
  /** Sends one batch; false when the transport is backed up (the subscription waits for resume()). */
  push(batch: PushBatch): boolean;
  /** The subscription is over (session end, replaced, consumer or stream gone, failure). */
  end(error: { code: string; message: string } | null): void;
}

export interface SubscriptionOptions {
  readonly records: RecordPlane;
  readonly now: () => number;
  /** 0: unlimited. */
  readonly bytesPerSec: number;
  /** When the session ends on its own (AWS: 5 minutes); 0: never. */
  readonly sessionMs: number;
}

export class Subscription {
  private reading = false;
  /** Records were acknowledged while a read was in flight: read again after it. */
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
    this.armHeartbeat();
  }

  get active(): boolean {
    return !this.ended;
  }

  /** Records were acknowledged on this shard. */
  notify(): void {
    this.pending = true;
    this.kick();
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
    this.onEnd();
    this.sink.end(error);
  }

  private kick(): void {
    if (this.ended || this.reading || this.paused || !this.pending || this.refillTimer !== null) return;
    let maxBytes = READ_BYTES_MAX;
    if (this.bucket !== null) {
      const now = this.options.now();
      const tokens = this.bucket.peek(now);
      if (tokens < 1) {
        // Out of budget: wait until it is positive again (a read always returns at least one record).
        const waitMs = Math.max(1, Math.ceil(((1 - tokens) * 1000) / this.options.bytesPerSec));
        this.refillTimer = setTimeout(() => {
          this.refillTimer = null;
          this.kick();
        }, waitMs);
        return;
      }
      maxBytes = Math.max(1, Math.min(READ_BYTES_MAX, Math.floor(tokens)));
    }
    this.reading = true;
    this.pending = false;
    this.options.records.readForPush(this.shard, this.position, maxBytes).then(
      (reply) => {
        this.reading = false;
        if (this.ended) return;
        this.millisBehind = reply.millisBehindLatest;
        if (reply.records.length > 0) {
          let bytes = 0;
          for (const r of reply.records) bytes += r.data.length + Buffer.byteLength(r.key);
          this.bucket?.charge(bytes, this.options.now());
          this.position = reply.nextSeq;
          // More may be waiting behind what this read returned: read again.
          this.pending = true;
          this.send({ shard: this.shard, records: reply.records, nextSeq: reply.nextSeq, millisBehindLatest: reply.millisBehindLatest });
        }
        this.kick();
      },
      (err: unknown) => {
        this.reading = false;
        if (isKinesisError(err) && err.code === 'ResourceNotFoundException') return this.end({ code: err.code, message: err.message });
        this.end({ code: 'InternalFailureException', message: 'Internal service failure.' });
      },
    );
  }

  private send(batch: PushBatch): void {
    if (this.ended) return;
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
      this.send({ shard: this.shard, records: [], nextSeq: this.position, millisBehindLatest: this.millisBehind });
    }, HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }
}
