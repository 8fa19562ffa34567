/**
 * Enhanced fan-out on the main thread: every live subscription, by shard in the shard's feed (so
 * an acknowledged put wakes exactly the subscriptions of its shards, and the feed reads each new
 * range once for all of them) and by consumer and shard (AWS allows one
 * subscription per consumer and shard: a second within 5 seconds of the first is refused with
 * ResourceInUseException; a later one replaces it).
 */
import { CONSUMER_STATUS, type Consumer } from '../engine/model.js';
import type { Engine } from '../engine/engine.js';
import type { PushListener } from '../engine/push-reads.js';
import type { Shard, Stream } from '../engine/model.js';
import { AwsError } from '../aws/errors.js';
import { ShardFeed, type FeedReader } from './shard-feed.js';
import { Subscription, type PushSink } from './subscription.js';

/** AWS: "If you call SubscribeToShard again with the same ConsumerARN and ShardId within 5 seconds of a successful call, you'll get a ResourceInUseException." */
export const RESUBSCRIBE_MS = 5_000;

const hubs = new WeakMap<Engine, FanoutHub>();

export class FanoutHub implements PushListener {
  /** The engine's hub, made on first use (the engine does not know about fan-out). */
  static for(engine: Engine): FanoutHub {
    let hub = hubs.get(engine);
    if (hub === undefined) hubs.set(engine, (hub = new FanoutHub(engine)));
    return hub;
  }

  private readonly byShard = new Map<Shard, ShardFeed>();
  private readonly byStream = new Map<Stream, number>();
  private readonly byConsumerShard = new Map<string, { sub: Subscription; startedMs: number; sessionMs: number }>();

  private constructor(private readonly engine: Engine) {
    engine.pushReads.listener = this;
    engine.onConsumerEnded = (consumer) => this.consumerEnded(consumer);
    engine.onClose.push(() => this.close());
  }

  /** The shard's feed while anyone subscribes to it. */
  feed(shard: Shard): ShardFeed | undefined {
    return this.byShard.get(shard);
  }

  watching(stream: Stream): boolean {
    return this.byStream.has(stream);
  }

  committed(_stream: Stream, shard: Shard): void {
    this.byShard.get(shard)?.committed();
  }

  closed(_stream: Stream, shard: Shard): void {
    // Its readers read to its end (the owner answers a read there at once) and see it closed.
    this.byShard.get(shard)?.committed();
  }

  /** The subscriptions open now (for the metrics and the dashboard: each consumer's lag per shard). */
  subscriptions(): Subscription[] {
    const open: Subscription[] = [];
    for (const { sub } of this.byConsumerShard.values()) if (sub.active) open.push(sub);
    return open;
  }

  /**
   * Starts a subscription at counter `position`. Checks what AWS checks before the stream opens:
   * the consumer is ACTIVE, and no subscription to this shard started less than 5 seconds ago
   * (less than a session, when sessions are shorter, as in tests). For SubscribeToShard that holds
   * whether or not the earlier one is still open, as on AWS; WebSocket push (`sessionMs` 0, a
   * subscription per connection) refuses only while the earlier one is open, so a client can
   * reconnect and resume at once.
   */
  subscribe(consumer: Consumer, shard: Shard, position: number, sink: PushSink, sessionMs = this.engine.config.subscriptionMs): Subscription {
    const stream = consumer.stream;
    if (consumer.status !== CONSUMER_STATUS.ACTIVE) {
      throw new AwsError('ResourceInUseException', `Consumer ${consumer.arn} is not ACTIVE, instead in state ${consumer.status}.`);
    }
    const key = `${consumer.arn}\n${shard.shardId}`;
    const now = this.engine.clock.now();
    const previous = this.byConsumerShard.get(key);
    // SubscribeToShard after SubscribeToShard: AWS's rule, open or not. Otherwise: while open.
    if (previous !== undefined && (previous.sub.active || (previous.sessionMs > 0 && sessionMs > 0))) {
      const window = previous.sessionMs > 0 ? Math.min(RESUBSCRIBE_MS, previous.sessionMs) : RESUBSCRIBE_MS;
      if (now - previous.startedMs < window) {
        this.engine.ops.subscribeRefused(consumer);
        throw new AwsError(
          'ResourceInUseException',
          `Another subscription was started for consumer ${consumer.arn} and shard ${shard.shardId} less than 5 seconds ago; wait 5 seconds after subscribing before subscribing again.`,
        );
      }
      previous.sub.end(null);
    }
    const config = this.engine.config;
    const feed = this.joined(stream, shard);
    const sub = new Subscription(consumer, stream, shard, position, sink, {
      reads: this.engine.pushReads,
      feed,
      now: () => this.engine.clock.now(),
      bytesPerSec: config.throttle ? config.pushBytesPerSec : 0,
      sessionMs,
      sent: (batch) => this.engine.ops.event(consumer, shard, batch.count, batch.count === 0 ? 0 : batch.dataBytes, batch.millisBehindLatest),
    });
    this.engine.ops.subscribed(consumer);
    this.byConsumerShard.set(key, { sub, startedMs: now, sessionMs });
    sub.onEnd = () => {
      this.left(stream, shard, feed);
      // The entry stays until the next subscription replaces it (its start time is the 5-second rule's).
    };
    sub.notify(); // push what is already there from the starting position
    return sub;
  }

  /**
   * Follows `shard` for a reader that is not a registered consumer (a Firehose delivery stream
   * reading its Kinesis source): it shares the shard's feed with the subscriptions (one owner read
   * at the tip for all of them) and is told of acknowledged records. Returns the feed and how to
   * stop following.
   */
  follow(stream: Stream, shard: Shard, reader: FeedReader): { feed: ShardFeed; unfollow(): void } {
    const feed = this.joined(stream, shard);
    feed.readers.add(reader);
    let following = true;
    const unfollow = (): void => {
      if (!following) return;
      following = false;
      feed.remove(reader);
      this.left(stream, shard, feed);
    };
    return { feed, unfollow };
  }

  /** Someone follows `shard`: its feed (made if none), and the stream counted as watched. */
  private joined(stream: Stream, shard: Shard): ShardFeed {
    let feed = this.byShard.get(shard);
    if (feed === undefined) this.byShard.set(shard, (feed = new ShardFeed(stream, shard, this.engine.pushReads)));
    this.byStream.set(stream, (this.byStream.get(stream) ?? 0) + 1);
    return feed;
  }

  /** A follower of `shard` left (already out of the feed's readers): the feed goes when nobody reads it. */
  private left(stream: Stream, shard: Shard, feed: ShardFeed): void {
    if (feed.readers.size === 0 && this.byShard.get(shard) === feed) {
      feed.close();
      this.byShard.delete(shard);
    }
    const n = (this.byStream.get(stream) ?? 1) - 1;
    if (n === 0) this.byStream.delete(stream);
    else this.byStream.set(stream, n);
  }

  /** A deregistered consumer's subscriptions end. */
  private consumerEnded(consumer: Consumer): void {
    for (const [key, entry] of this.byConsumerShard) {
      if (entry.sub.consumer !== consumer) continue;
      entry.sub.end({ code: 'ResourceNotFoundException', message: `Consumer ${consumer.arn} is being deregistered.` });
      this.byConsumerShard.delete(key);
    }
  }

  /** Ends every subscription (server shutdown). */
  close(): void {
    for (const entry of this.byConsumerShard.values()) entry.sub.end(null);
    this.byConsumerShard.clear();
  }
}
