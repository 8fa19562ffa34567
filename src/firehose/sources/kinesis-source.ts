import type { Engine } from '../../engine/engine.js';
import { atShardEnd, descendsFrom, readyChildren } from '../../engine/lineage.js';
import type { Shard, Stream } from '../../engine/model.js';
import { FanoutHub } from '../../fanout/hub.js';
import { PushBatch, RECORDS_HEADER_BYTES } from '../../fanout/push-batch.js';
import { READ_BYTES_MAX, type FeedReader, type ShardFeed } from '../../fanout/shard-feed.js';
import type { Positions } from '../delivery/batch.js';
import type { Delivery, DeliverySource } from '../delivery/delivery.js';
import type { ShardMeta } from '../transform/intake.js';
import { deaggregate } from './kpl.js';

/** After a failed read (the stream's shard is gone, the owner refused), try again after this long. */
const RETRY_MS = 1000;

/**
 * A Kinesis stream as a delivery stream's source: each shard with a position (from the checkpoint,
 * or LATEST when the delivery stream was created) is followed through the shard's fan-out feed,
 * which reads the shard's tip once for every follower and waits at the owner for new records (no
 * polling, and no charge to the shard's GetRecords quota: Firehose reads as a consumer of its own).
 * It follows lineage: a closed shard is read to its end, then its children from their start (a
 * merge's child once both parents are done), each with its own position in the checkpoint.
 * KPL-aggregated records are de-aggregated. A shard's reader stops while the batch is full.
 */
export class KinesisSource implements DeliverySource {
  private readers: ShardReader[] = [];
  /** Shards read to their end (or found there at the start). */
  private readonly finished = new Set<string>();
  private readonly started = new Set<string>();
  private delivery: Delivery | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly stream: Stream,
    /** The counter to read from next, per shard id (from the checkpoint, or LATEST at creation). */
    readonly start: Positions,
  ) {}

  begin(delivery: Delivery): void {
    this.delivery = delivery;
    const atEnd: Shard[] = [];
    for (const shard of this.stream.shards) {
      const from = this.start.get(shard.shardId);
      if (from === undefined) continue;
      this.started.add(shard.shardId);
      if (atShardEnd(shard, from)) atEnd.push(shard);
      else this.read(shard, from);
    }
    for (const shard of atEnd) this.shardFinished(shard);
  }

  stop(): void {
    for (const r of this.readers) r.stop();
    this.readers = [];
    this.delivery = null;
  }

  shardOf(shardId: string): ShardMeta | null {
    const shard = this.stream.shards.find((s) => s.shardId === shardId);
    return shard === undefined ? null : { shardId, seqPrefix: shard.seqPrefix };
  }

  private read(shard: Shard, from: number): void {
    const delivery = this.delivery as Delivery;
    const reader = new ShardReader(this.stream, shard, from, delivery, this.engine, () => this.shardFinished(shard));
    reader.attach(FanoutHub.for(this.engine).follow(this.stream, shard, reader));
    this.readers.push(reader);
    reader.kick();
  }

  /** A shard's end: its children whose parents are done are read from their start. */
  private shardFinished(shard: Shard): void {
    if (this.delivery === null) return;
    this.finished.add(shard.shardId);
    this.readers = this.readers.filter((r) => r.shard !== shard);
    // A parent is done once read to its end, or if it is not followed at all (nothing leads to it).
    const followed = (id: string): boolean => this.started.has(id);
    const done = (id: string): boolean => {
      if (this.finished.has(id)) return true;
      const s = this.stream.shards.find((x) => x.shardId === id);
      return !followed(id) && (s === undefined || !descendsFrom(this.stream, s, followed));
    };
    for (const child of readyChildren(this.stream, shard, done, followed)) {
      this.started.add(child.shardId);
      this.read(child, 0);
    }
  }
}

class ShardReader implements FeedReader {
  private feed!: ShardFeed;
  private unfollow: () => void = () => undefined;
  private reading = false;
  private pending = true;
  private stopped = false;
  private waitingForRoom = false;
  private retry: NodeJS.Timeout | null = null;
  private failing = false;

  constructor(
    private readonly stream: Stream,
    readonly shard: Shard,
    public position: number,
    private readonly delivery: Delivery,
    private readonly engine: Engine,
    /** Called once the shard (closed) has been read to its end. */
    private readonly onEnd: () => void,
  ) {}

  attach(follow: { feed: ShardFeed; unfollow(): void }): void {
    this.feed = follow.feed;
    this.unfollow = follow.unfollow;
  }

  notify(): void {
    this.pending = true;
    this.kick();
  }

  wake(): void {
    this.kick();
  }

  fail(err: unknown): void {
    if (this.stopped) return;
    // Once per outage, not once per retry (a deleted source stream fails every read).
    if (!this.failing) this.delivery.log(`riffle: firehose ${this.delivery.name}: cannot read ${this.stream.name} ${this.shard.shardId} (${(err as Error).message}); retrying every ${RETRY_MS / 1000} s`);
    this.failing = true;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.pending = true;
      this.kick();
    }, RETRY_MS);
    this.retry.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.unfollow();
  }

  /** Takes what the feed keeps from the position on; then waits on the feed or reads for itself. */
  kick(): void {
    while (!this.stopped && !this.reading && this.retry === null) {
      if (!this.delivery.hasRoom) return this.awaitRoom();
      const kept = this.feed.batchAt(this.position);
      if (kept !== null) {
        this.take(kept.from(this.position, this.delivery.room));
        this.feed.release();
        continue;
      }
      if (atShardEnd(this.shard, this.position)) {
        this.stop();
        return this.onEnd();
      }
      const where = this.feed.await(this);
      if (where === 'behind' || (where === 'ahead' && this.pending)) this.readOwn();
      return;
    }
  }

  private awaitRoom(): void {
    if (this.waitingForRoom) return;
    this.waitingForRoom = true;
    void this.delivery.whenRoom().then(() => {
      this.waitingForRoom = false;
      this.kick();
    });
  }

  private readOwn(): void {
    this.reading = true;
    this.pending = false;
    this.engine.pushReads.read(this.stream, this.shard, this.position, Math.min(READ_BYTES_MAX, this.delivery.room), RECORDS_HEADER_BYTES).then(
      (read) => {
        this.reading = false;
        if (this.stopped) return;
        if (read.count > 0 || read.nextSeq !== this.position) this.take(PushBatch.fromRead(this.shard, read));
        this.kick();
      },
      (err: unknown) => {
        this.reading = false;
        this.fail(err);
      },
    );
  }

  private take(batch: PushBatch): void {
    this.failing = false;
    this.position = batch.nextSeq;
    if (batch.count > 0) this.pending = true;
    this.delivery.intake.add(this.shard.shardId, batch.frame.subarray(RECORDS_HEADER_BYTES), batch.count, batch.nextSeq, deaggregate);
    this.delivery.added();
  }
}
