import type { RiffleConfig } from '../config.js';
import { KinesisError, WIRE_ERROR } from '../aws/errors.js';
import { OwnerPool } from '../shard/pool/owner-pool.js';
import { SharedClock } from '../shard/clock.js';
import { decodeShardRecovery, encodeShardControl, MSG, type ShardRecovery } from '../shard/messages.js';
import { Manifest, type StoredStream } from '../log/manifest.js';
import { lockDataDir, prepareDataDir } from '../log/data-dir.js';
import { hashKeyBytes, splitHashKeySpace } from './hash-key.js';
import { IteratorCodec } from './iterator-token.js';
import { formatSequenceNumber, sequencePrefix } from './sequence-number.js';
import {
  DEFAULT_RETENTION_HOURS,
  MAX_TAGS_PER_STREAM,
  ON_DEMAND_INITIAL_SHARDS,
  ON_DEMAND_STREAM_LIMIT,
  openShards,
  shardIdFor,
  STREAM_MODE,
  STREAM_STATUS,
  type Shard,
  type Stream,
  type StreamMode,
} from './stream.js';
import { RecordPlane } from './records.js';
import { CONSUMER_STATUS, ConsumerRegistry, type Consumer } from './consumers.js';

export interface StreamRef {
  name?: string | undefined;
  arn?: string | undefined;
}

/** AWS: at most five streams may be CREATING at once per account. */
const MAX_CREATING_STREAMS = 5;
const HOUR_MS = 3_600_000;

/**
 * The engine: streams, shard maps and their lifecycle on the main thread; records go through the
 * RecordPlane to the shard owners. Throws KinesisError with AWS's wording for operating errors.
 * Inputs are already validated for shape by the operation layer (api/).
 */
export class Engine {
  private readonly streams = new Map<string, Stream>();
  /** Latest stream creation time handed out: each stream gets a distinct, later one. */
  private lastCreatedMs = 0;
  private nextGid = 0;
  readonly records: RecordPlane;
  readonly consumers: ConsumerRegistry;
  /** Set by the fan-out layer: a consumer is being deregistered (end its subscriptions). */
  onConsumerEnded: (consumer: Consumer) => void = () => undefined;

  private constructor(
    readonly config: RiffleConfig,
    private readonly pool: OwnerPool,
    /** The time every part of the engine uses; tests and simulations may advance it. */
    readonly clock: SharedClock,
    /** Durable engines only: where streams are recorded and shard logs live. */
    private readonly manifest: Manifest | null,
  ) {
    const codec = new IteratorCodec(`riffle-iterator:${config.accountId}:${config.region}`);
    this.records = new RecordPlane(this, pool, codec);
    this.consumers = new ConsumerRegistry({
      account: config.accountId,
      limit: config.consumerLimit,
      now: () => clock.now(),
      after: (stream, ms, fn) => this.after(stream, ms, fn),
      createMs: config.createStreamMs,
      deleteMs: config.deleteStreamMs,
      persist: () => this.persist(),
      ended: (consumer) => this.onConsumerEnded(consumer),
    });
  }

  static async start(config: RiffleConfig): Promise<Engine> {
    const clock = new SharedClock();
    const manifest = config.dataDir !== null && !config.inMemory ? new Manifest(config.dataDir) : null;
    if (manifest !== null) prepareDataDir(manifest.dir, true); // the CLI has checked already; embedders may not have
    const unlock = manifest === null ? () => undefined : lockDataDir(manifest.dir);
    let stored: StoredStream[];
    let pool: OwnerPool;
    try {
      stored = manifest?.load() ?? [];
      pool = await OwnerPool.start({ workers: config.workers, throttle: config.throttle, limits: config.limits, clock, fsync: config.fsync, segmentBytes: config.segmentBytes, segmentMs: config.segmentMs, hotBytes: config.hotBytes });
    } catch (err) {
      unlock();
      throw err;
    }
    const engine = new Engine(config, pool, clock, manifest);
    engine.unlock = unlock;
    try {
      for (const s of stored) await engine.restore(s);
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  /** Reopens a stream from the manifest: its shards recover their logs; it is ACTIVE at once. */
  private async restore(s: StoredStream): Promise<void> {
    const stream = this.buildStream(s.name, s.createdMs, s.shardCount, s.mode as StreamMode, s.tags, s.retentionHours);
    stream.status = STREAM_STATUS.ACTIVE;
    for (const c of s.consumers ?? []) this.consumers.restore(stream, c.name, c.createdMs);
    this.lastCreatedMs = Math.max(this.lastCreatedMs, s.createdMs);
    this.streams.set(s.name, stream);
    const recovered = await Promise.all(stream.shards.map((sh) => this.openShard(stream, sh)));
    recovered.forEach((r, i) => {
      const line = `riffle: recovered ${stream.name} ${stream.shards[i]?.shardId}: ${r.records} record(s), next counter ${r.nextSeq}`;
      console.log(r.report === '' ? line : `${line}; ${r.report.replace(/\n/g, '; ')}`);
    });
  }

  /** What the manifest records of the current streams (a deleting stream is already gone). */
  private persist(): void {
    if (this.manifest === null) return;
    const streams: StoredStream[] = [];
    for (const s of this.streams.values()) {
      if (s.status === STREAM_STATUS.DELETING) continue;
      const consumers = [...s.consumers.values()].filter((c) => c.status !== CONSUMER_STATUS.DELETING).map((c) => ({ name: c.name, createdMs: c.createdMs }));
      streams.push({ name: s.name, createdMs: s.createdMs, shardCount: s.shards.length, mode: s.mode, retentionHours: s.retentionHours, tags: Object.fromEntries(s.tags), consumers });
    }
    this.manifest.save(streams);
  }

  /** Run first on close (the fan-out layer ends its subscriptions here). */
  readonly onClose: Array<() => void> = [];

  async close(): Promise<void> {
    for (const fn of this.onClose.splice(0)) fn();
    for (const s of this.streams.values()) for (const t of s.timers) clearTimeout(t);
    await this.pool.close();
    this.unlock();
  }

  /** Releases the data directory's lock (durable engines). */
  private unlock: () => void = () => undefined;

  // ---- lookups --------------------------------------------------------------------------------

  arnFor(name: string): string {
    return `arn:aws:kinesis:${this.config.region}:${this.config.accountId}:stream/${name}`;
  }

  notFound(name: string): KinesisError {
    return new KinesisError('ResourceNotFoundException', `Stream ${name} under account ${this.config.accountId} not found.`);
  }

  /** The stream named by StreamName and/or StreamARN (AWS accepts either, or both if they agree). */
  stream(ref: StreamRef): Stream {
    let name = ref.name;
    if (ref.arn !== undefined) {
      const prefix = this.arnFor('');
      if (!ref.arn.startsWith(prefix)) {
        // An ARN for another account or region names a stream this endpoint does not hold.
        throw new KinesisError('ResourceNotFoundException', `Stream ${ref.arn} not found.`);
      }
      const fromArn = ref.arn.slice(prefix.length);
      if (name !== undefined && name !== fromArn) {
        throw new KinesisError('InvalidArgumentException', `StreamARN ${ref.arn} does not match StreamName ${name}.`);
      }
      name = fromArn;
    }
    if (name === undefined) {
      throw new KinesisError('InvalidArgumentException', 'Either StreamName or StreamARN must be provided.');
    }
    const stream = this.streams.get(name);
    if (stream === undefined) throw this.notFound(name);
    return stream;
  }

  /** Data-plane calls need the stream ACTIVE or UPDATING; AWS answers "not found" otherwise. */
  readableStream(ref: StreamRef): Stream {
    const stream = this.stream(ref);
    if (stream.status !== STREAM_STATUS.ACTIVE && stream.status !== STREAM_STATUS.UPDATING) {
      throw this.notFound(stream.name);
    }
    return stream;
  }

  /** Used by iterators: the stream must still be the one the iterator was made for. */
  streamIfSame(name: string, createdMs: number): Stream | undefined {
    const s = this.streams.get(name);
    return s !== undefined && s.createdMs === createdMs ? s : undefined;
  }

  shard(stream: Stream, shardId: string): Shard {
    const shard = stream.shards.find((s) => s.shardId === shardId);
    if (shard === undefined) {
      throw new KinesisError(
        'ResourceNotFoundException',
        `Could not find shard ${shardId} in stream ${stream.name} under account ${this.config.accountId}.`,
      );
    }
    return shard;
  }

  listStreams(): Stream[] {
    return [...this.streams.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  openShardCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += openShards(s).length;
    return n;
  }

  onDemandStreamCount(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.mode === STREAM_MODE.ON_DEMAND) n++;
    return n;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  private after(stream: Stream, ms: number, fn: () => void): void {
    if (ms === 0) return fn();
    const t = setTimeout(() => {
      stream.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    stream.timers.add(t);
  }

  async createStream(name: string, shardCount: number | undefined, mode: StreamMode, tags: Record<string, string> = {}): Promise<void> {
    if (this.streams.has(name)) {
      throw new KinesisError('ResourceInUseException', `Stream ${name} under account ${this.config.accountId} already exists.`);
    }
    const count = shardCount ?? (mode === STREAM_MODE.ON_DEMAND ? ON_DEMAND_INITIAL_SHARDS : undefined);
    if (count === undefined) {
      throw new KinesisError('InvalidArgumentException', 'ShardCount is required for PROVISIONED streams.');
    }
    this.checkShardLimit(count);
    this.checkTagCount(name, Object.keys(tags).length);
    if (mode === STREAM_MODE.ON_DEMAND && this.onDemandStreamCount() >= ON_DEMAND_STREAM_LIMIT) {
      throw new KinesisError(
        'LimitExceededException',
        `This request would exceed the on-demand stream count limit of ${ON_DEMAND_STREAM_LIMIT} for account ${this.config.accountId} in ${this.config.region}.`,
      );
    }
    let creating = 0;
    for (const s of this.streams.values()) if (s.status === STREAM_STATUS.CREATING) creating++;
    if (creating >= MAX_CREATING_STREAMS) {
      throw new KinesisError(
        'LimitExceededException',
        `This request would exceed the limit of ${MAX_CREATING_STREAMS} streams in CREATING state for account ${this.config.accountId}.`,
      );
    }
    // Sequence numbers and iterators embed this; a stream deleted and re-created within the same
    // millisecond must still not accept the old one's numbers.
    const createdMs = Math.max(this.clock.now(), this.lastCreatedMs + 1);
    this.lastCreatedMs = createdMs;
    const stream = this.buildStream(name, createdMs, count, mode, tags, DEFAULT_RETENTION_HOURS);
    this.streams.set(name, stream);
    try {
      await Promise.all(stream.shards.map((s) => this.openShard(stream, s)));
      this.persist();
    } catch (err) {
      // All or nothing: a stream whose shards could not all be created does not exist.
      this.streams.delete(name);
      for (const s of stream.shards) void this.control(s, MSG.DELETE_SHARD).catch(() => undefined);
      throw err;
    }
    this.after(stream, this.config.createStreamMs, () => {
      if (stream.status === STREAM_STATUS.CREATING) stream.status = STREAM_STATUS.ACTIVE;
    });
  }

  private buildStream(name: string, createdMs: number, count: number, mode: StreamMode, tags: Record<string, string>, retentionHours: number): Stream {
    const shards: Shard[] = splitHashKeySpace(count).map((range, index) => {
      const gid = this.nextGid++;
      const seqPrefix = sequencePrefix(createdMs, index);
      return {
        shardId: shardIdFor(index),
        index,
        gid,
        owner: this.pool.ownerOf(gid),
        range,
        startingSequenceNumber: formatSequenceNumber(seqPrefix, 0),
        seqPrefix,
      };
    });
    return {
      name,
      arn: this.arnFor(name),
      createdMs,
      status: STREAM_STATUS.CREATING,
      mode,
      retentionHours,
      shards,
      startsBytes: Buffer.concat(shards.map((s) => hashKeyBytes(s.range.start))),
      shardGids: Uint32Array.from(shards, (s) => s.gid),
      shardOwners: Uint32Array.from(shards, (s) => s.owner),
      tags: new Map(Object.entries(tags)),
      consumers: new Map(),
      timers: new Set(),
    };
  }

  /** Creates the shard in its owner: in memory, or durable (recovering what its directory holds). */
  private openShard(stream: Stream, shard: Shard): Promise<ShardRecovery> {
    const dir = this.manifest?.shardDir(stream.name, stream.createdMs, shard.index) ?? '';
    return this.pool.request(
      shard.owner,
      (id) => encodeShardControl(MSG.CREATE_SHARD, id, shard.gid, stream.retentionHours * HOUR_MS, shard.index, dir),
      (h, r) => {
        const recovery = dir === '' ? { records: 0, nextSeq: 0, truncatedBytes: 0, report: '' } : decodeShardRecovery(r);
        if (h.status !== WIRE_ERROR.OK) throw new KinesisError('InternalFailure', recovery.report || 'Internal service failure.');
        return recovery;
      },
    );
  }

  private checkShardLimit(additional: number): void {
    const current = this.openShardCount();
    if (current + additional > this.config.shardLimit) {
      throw new KinesisError(
        'LimitExceededException',
        `This request would exceed the shard limit for the account ${this.config.accountId} in ${this.config.region}. ` +
          `Current shard count for the account: ${current}. Limit: ${this.config.shardLimit}. ` +
          `Number of additional shards that would have resulted from this request: ${additional}. ` +
          'Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
          'for current limits and how to request higher limits.',
      );
    }
  }

  deleteStream(ref: StreamRef, enforceConsumerDeletion = false): void {
    const stream = this.stream(ref);
    if (stream.status === STREAM_STATUS.DELETING) throw this.notFound(stream.name);
    if (stream.status === STREAM_STATUS.CREATING) {
      throw new KinesisError('ResourceInUseException', `Attempt to change a resource which is still in use: Stream is being created: ${stream.name}`);
    }
    if (stream.consumers.size > 0 && !enforceConsumerDeletion) {
      throw new KinesisError(
        'ResourceInUseException',
        `Stream ${stream.name} under account ${this.config.accountId} has registered consumers. Deregister them first, or set EnforceConsumerDeletion to true.`,
      );
    }
    for (const c of stream.consumers.values()) this.consumers.deregister(c);
    for (const t of stream.timers) clearTimeout(t);
    stream.timers.clear();
    stream.status = STREAM_STATUS.DELETING;
    this.persist(); // a restart finishes the deletion: the stream is no longer recorded
    this.after(stream, this.config.deleteStreamMs, () => {
      if (this.streams.get(stream.name) !== stream) return;
      this.streams.delete(stream.name);
      void Promise.allSettled(stream.shards.map((s) => this.control(s, MSG.DELETE_SHARD))).then(() => this.manifest?.removeStream(stream.name, stream.createdMs));
    });
  }

  private requireActive(stream: Stream): void {
    if (stream.status !== STREAM_STATUS.ACTIVE) {
      throw new KinesisError(
        'ResourceInUseException',
        `Stream ${stream.name} under account ${this.config.accountId} not ACTIVE, instead in state ${stream.status}`,
      );
    }
  }

  async setRetention(ref: StreamRef, hours: number, direction: 'increase' | 'decrease'): Promise<void> {
    const stream = this.stream(ref);
    this.requireActive(stream);
    if (direction === 'increase' && hours < stream.retentionHours) {
      throw new KinesisError(
        'InvalidArgumentException',
        `Requested retention period (${hours} hours) for stream ${stream.name} can not be shorter than existing retention period (${stream.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
      );
    }
    if (direction === 'decrease' && hours > stream.retentionHours) {
      throw new KinesisError(
        'InvalidArgumentException',
        `Requested retention period (${hours} hours) for stream ${stream.name} can not be longer than existing retention period (${stream.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
      );
    }
    stream.retentionHours = hours;
    await Promise.all(stream.shards.map((s) => this.control(s, MSG.SET_RETENTION, hours * HOUR_MS)));
    this.persist();
  }

  updateStreamMode(ref: StreamRef, mode: StreamMode): void {
    const stream = this.stream(ref);
    this.requireActive(stream);
    if (stream.mode === mode) {
      throw new KinesisError('InvalidArgumentException', `Stream ${stream.name} is already in ${mode} mode.`);
    }
    if (mode === STREAM_MODE.ON_DEMAND && this.onDemandStreamCount() >= ON_DEMAND_STREAM_LIMIT) {
      throw new KinesisError(
        'LimitExceededException',
        `This request would exceed the on-demand stream count limit of ${ON_DEMAND_STREAM_LIMIT} for account ${this.config.accountId} in ${this.config.region}.`,
      );
    }
    stream.status = STREAM_STATUS.UPDATING;
    this.after(stream, this.config.updateStreamMs, () => {
      stream.mode = mode;
      if (stream.status === STREAM_STATUS.UPDATING) stream.status = STREAM_STATUS.ACTIVE;
      try {
        this.persist();
      } catch (err) {
        console.error(`riffle: could not record ${stream.name}'s new mode in the manifest:`, err);
      }
    });
  }

  addTags(ref: StreamRef, tags: Record<string, string>): void {
    const stream = this.stream(ref);
    this.checkTagCount(stream.name, new Set([...stream.tags.keys(), ...Object.keys(tags)]).size);
    for (const [k, v] of Object.entries(tags)) stream.tags.set(k, v);
    this.persist();
  }

  private checkTagCount(name: string, count: number): void {
    if (count > MAX_TAGS_PER_STREAM) {
      throw new KinesisError(
        'InvalidArgumentException',
        `Failed to add tags to stream ${name} under account ${this.config.accountId} because a given stream cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`,
      );
    }
  }

  removeTags(ref: StreamRef, keys: readonly string[]): void {
    const stream = this.stream(ref);
    for (const k of keys) stream.tags.delete(k);
    this.persist();
  }

  private control(shard: Shard, type: typeof MSG.DELETE_SHARD | typeof MSG.SET_RETENTION, retentionMs = 0): Promise<void> {
    return this.pool.request(
      shard.owner,
      (id) => encodeShardControl(type, id, shard.gid, retentionMs, shard.index),
      () => undefined,
    );
  }
}
