import { readFileSync } from 'node:fs';
import type { RiffleConfig } from '../config.js';
import type { StoredStream } from '../log/manifest.js';
import { SharedClock } from '../shard/clock.js';
import { OwnerPool, type OwnerStats } from '../shard/pool/owner-pool.js';
import { ConsumerRegistry } from './consumers.js';
import { InternalLogs } from './internal-logs.js';
import { IteratorCodec } from './iterator-token.js';
import { StreamLifecycle } from './lifecycle.js';
import type { Consumer } from './model.js';
import { Persistence } from './persistence.js';
import { PushReads } from './push-reads.js';
import { ReadPath } from './read-path.js';
import { AccountSettings } from './account-settings.js';
import { OnDemandScaler } from './on-demand.js';
import { OpMetrics } from './op-metrics.js';
import { Resharder } from './reshard.js';
import { StreamRegistry } from './registry.js';
import { StreamSettings } from './stream-settings.js';
import { WritePath } from './write-path.js';

/**
 * --open-files, but at most half the process's descriptor limit (the rest is for connections and
 * the main thread's files), read from /proc/self/limits where there is one.
 */
function openFilesFor(wanted: number): number {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const soft = line?.[1] === undefined || line[1] === 'unlimited' ? Infinity : Number(line[1]);
    return Math.max(1, Math.min(wanted, Math.floor(soft / 2)));
  } catch {
    return wanted;
  }
}

/**
 * Reopens one shard of a replaced owner again after 1, 2, 4... s (then every minute) until it
 * works; meanwhile its requests fail (ResourceNotFound, InternalFailure per record). Reopening a
 * shard already open is a no-op at the owner.
 */
async function retryReopen(owner: number, name: string, reopen: () => Promise<boolean | null>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(60_000, 1000 * 2 ** attempt)).unref());
    try {
      if ((await reopen()) !== null) console.error(`riffle: shard owner ${owner}: ${name} reopened`);
      return;
    } catch {
      if (attempt === 7) console.error(`riffle: shard owner ${owner}: ${name} still cannot be reopened; trying every minute`);
    }
  }
}

/** How often closed shards past the retention period are looked for (engine/reshard.ts retireExpired). */
const RETIRE_EVERY_MS = 60_000;

/**
 * The engine, put together: the streams (`streams`: lookups; `lifecycle`: create, delete, quotas,
 * retention, tags), their registered consumers, and the data plane (`writes`, `reads`,
 * `pushReads`) over the shard owners. Throws AwsError with AWS's wording for operating errors;
 * inputs are already validated for shape by the service (kinesis/).
 */
export class Engine {
  readonly streams: StreamRegistry;
  readonly lifecycle: StreamLifecycle;
  /** SplitShard, MergeShards, UpdateShardCount. */
  readonly reshards: Resharder;
  /** Splits on-demand streams' busy shards. */
  readonly onDemand: OnDemandScaler;
  /** Monitoring, encryption, policies, tags by ARN, record size, warm throughput, distribution. */
  readonly settings: StreamSettings;
  /** DescribeAccountSettings / UpdateAccountSettings. */
  readonly account: AccountSettings;
  readonly consumers: ConsumerRegistry;
  readonly writes: WritePath;
  readonly reads: ReadPath;
  readonly pushReads: PushReads;
  /** Services' own logs on the shard owners (Firehose's delivery streams). */
  readonly internalLogs: InternalLogs;
  /** Stream-level counters of the Kinesis operations (the per-shard ones are the owners': ownerStats). */
  readonly ops: OpMetrics;
  /** Set by the fan-out layer: a consumer is being deregistered (end its subscriptions). */
  onConsumerEnded: (consumer: Consumer) => void = () => undefined;
  private retireTimer: NodeJS.Timeout | null = null;
  /** Run first on close (the fan-out layer ends its subscriptions here). */
  readonly onClose: Array<() => void> = [];

  private constructor(
    readonly config: RiffleConfig,
    private readonly pool: OwnerPool,
    /** The time every part of the engine uses; tests and simulations may advance it. */
    readonly clock: SharedClock,
    readonly persistence: Persistence,
  ) {
    const account = config.accountId;
    this.ops = new OpMetrics(config.metrics);
    this.streams = new StreamRegistry(config.region, account);
    this.lifecycle = new StreamLifecycle(config, this.streams, pool, clock, persistence);
    this.consumers = new ConsumerRegistry({
      account,
      limit: config.consumerLimit,
      now: () => clock.now(),
      after: (stream, ms, fn) => this.lifecycle.after(stream, ms, fn),
      createMs: config.createStreamMs,
      deleteMs: config.deleteStreamMs,
      persist: () => this.lifecycle.persist(),
      ended: (consumer) => this.onConsumerEnded(consumer),
    });
    this.lifecycle.consumers = this.consumers;
    this.pushReads = new PushReads(pool, account);
    this.writes = new WritePath(this.streams, pool, account, this.pushReads);
    this.reshards = new Resharder(config, this.streams, this.lifecycle, pool, clock, persistence, this.pushReads);
    this.onDemand = new OnDemandScaler(config, this.streams, this.reshards);
    this.settings = new StreamSettings(config, this.streams, this.lifecycle, this.consumers);
    this.account = new AccountSettings(() => persistence.account, clock, () => this.lifecycle.persist());
    this.internalLogs = new InternalLogs(pool, persistence, this.pushReads, () => this.lifecycle.newGid(), account);
    this.reads = new ReadPath(this.streams, pool, account, clock, new IteratorCodec(`riffle-iterator:${account}:${config.region}`), this.ops);
  }

  /** Starts the shard owners and, for a durable engine, takes its data directory and recovers every stream in it. */
  static async start(config: RiffleConfig): Promise<Engine> {
    const clock = new SharedClock();
    const persistence = Persistence.open(config.inMemory ? null : config.dataDir);
    let stored: StoredStream[];
    let pool: OwnerPool;
    try {
      stored = persistence.load();
      pool = await OwnerPool.start({ workers: config.workers, throttle: config.throttle, limits: config.limits, clock, fsync: config.fsync, segmentBytes: config.segmentBytes, segmentMs: config.segmentMs, hotBytes: config.hotBytes, openFiles: openFilesFor(config.openFiles), countMetrics: config.metrics });
    } catch (err) {
      persistence.unlock();
      throw err;
    }
    const engine = new Engine(config, pool, clock, persistence);
    pool.restore = (owner) => engine.reopenOwner(owner);
    try {
      let changed = false;
      for (const s of stored) changed = (await engine.lifecycle.restore(s)) || changed;
      // Once, with every stream back: a manifest written midway would name only those restored so far.
      if (changed) engine.lifecycle.persist();
    } catch (err) {
      await engine.close();
      throw err;
    }
    engine.onDemand.start();
    engine.retireTimer = setInterval(() => void engine.reshards.retireExpired().catch((err: unknown) => console.error('riffle: retiring expired shards:', err)), RETIRE_EVERY_MS);
    engine.retireTimer.unref();
    return engine;
  }

  /**
   * A replaced shard owner's shards, opened again there (OwnerPool.replace). One that cannot be
   * opened (a full disk, no descriptor) does not keep the others closed: it is tried again in the
   * background (after 1, 2, 4... s, 8 times) while the rest serve.
   */
  private async reopenOwner(owner: number): Promise<void> {
    const reopeners = [
      ...[...this.streams.all()].flatMap((stream) =>
        stream.shards
          .filter((shard) => shard.owner === owner && shard.retired !== true)
          .map((shard) => ({
            name: `${stream.name} ${shard.shardId}`,
            // null: the stream was deleted meanwhile.
            reopen: () => (this.streams.has(stream.name) && this.streams.get({ name: stream.name }) === stream ? this.lifecycle.shards.reopen(stream, shard) : Promise.resolve(null)),
          })),
      ),
      ...this.internalLogs.reopenersOn(owner),
    ];
    let recovered = 0;
    let lost = 0;
    const failed: typeof reopeners = [];
    for (const r of reopeners) {
      try {
        const fromDisk = await r.reopen();
        if (fromDisk === true) recovered++;
        if (fromDisk === false) lost++;
      } catch (err) {
        console.error(`riffle: shard owner ${owner}: ${r.name} could not be reopened (${(err as Error).message}); trying again`);
        failed.push(r);
      }
    }
    const lostNote = lost > 0 ? `; ${lost} in-memory shard(s) lost their records and answer InternalFailure saying so` : '';
    console.error(`riffle: shard owner ${owner}: ${recovered} shard(s) recovered from disk${lostNote}`);
    for (const r of failed) void retryReopen(owner, r.name, r.reopen);
  }

  get owners(): number {
    return this.pool.size;
  }

  /** Owner `index`'s counters (shard/shard-metrics.ts), its rings' fill and its health. */
  ownerStats(index: number): OwnerStats {
    return this.pool.stats(index);
  }

  async close(): Promise<void> {
    for (const fn of this.onClose.splice(0)) fn();
    this.onDemand.stop();
    this.reshards.stop();
    if (this.retireTimer !== null) clearInterval(this.retireTimer);
    this.lifecycle.cancelTimers();
    await this.reshards.settled();
    await this.pool.close();
    this.persistence.unlock();
  }
}
