import { AwsError } from '../aws/errors.js';
import type { RiffleConfig } from '../config.js';
import { DEFAULT_RETENTION_HOURS, MAX_CREATING_STREAMS, MAX_TAGS_PER_STREAM, ON_DEMAND_INITIAL_SHARDS, ON_DEMAND_STREAM_LIMIT } from '../limits.js';
import type { StoredStream } from '../log/manifest.js';
import type { SharedClock } from '../shard/clock.js';
import { decodeShardRecovery, encodeShardControl, MSG, STATUS, type ShardRecovery } from '../shard/messages.js';
import type { OwnerPool } from '../shard/pool/owner-pool.js';
import type { ConsumerRegistry } from './consumers.js';
import { splitHashKeySpace, type HashRange } from './hash-key.js';
import { isOpen, routingFor } from './lineage.js';
import { defaultSettings, DISTRIBUTION, shardIdFor, STREAM_MODE, type StreamSettingsState, STREAM_STATUS, type Shard, type Stream, type StreamMode, type StreamRef } from './model.js';
import { ownerError } from './owner-status.js';
import type { Persistence } from './persistence.js';
import { fewest, ShardOps, uniformSpecs, type ShardSpec } from './shard-ops.js';
import type { StreamRegistry } from './registry.js';
import { formatSequenceNumber, sequencePrefix } from './sequence-number.js';

const HOUR_MS = 3_600_000;

/**
 * Streams coming and going: CreateStream and DeleteStream with their delays and account quotas,
 * retention, stream mode and tags. Every change is recorded (persistence) before it is answered.
 * Throws AwsError with AWS's wording.
 */
export class StreamLifecycle {
  /** Latest stream creation time handed out: each stream gets a distinct, later one. */
  private lastCreatedMs = 0;
  private nextGid = 0;
  /** Net open shards of reshards not yet in effect. */
  private reservedShards = 0;
  /** Set by the engine once the consumer registry exists (it needs `after` and `persist`). */
  consumers!: ConsumerRegistry;
  /** Shards at their owners: made, opened, closed, controlled. */
  readonly shards: ShardOps;

  constructor(
    private readonly config: RiffleConfig,
    private readonly streams: StreamRegistry,
    private readonly pool: OwnerPool,
    private readonly clock: SharedClock,
    private readonly persistence: Persistence,
  ) {
    this.shards = new ShardOps(pool, persistence, streams, config.accountId);
  }

  private get account(): string {
    return this.config.accountId;
  }

  /** An engine-wide shard id, for a stream's shard or an internal log's (internal-logs.ts). */
  newGid(): number {
    return this.nextGid++;
  }

  /** Records the current streams (durable engines). */
  persist(): void {
    this.persistence.save(this.streams.all());
  }

  /** Runs fn after ms (0: now), cancelled if the stream goes away. */
  after(stream: Stream, ms: number, fn: () => void): void {
    if (ms === 0) return fn();
    const t = setTimeout(() => {
      stream.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    stream.timers.add(t);
  }

  /**
   * Reopens a stream from the manifest: its shards recover their logs, the closed ones are closed
   * again at their owners, each ending where its recovered log does (the owner's own end, which
   * its reads report; a recorded end can only be higher if the log lost its tail to a power cut
   * with --fsync never); retired shards are not opened. It is ACTIVE at once. Returns whether the
   * manifest needs writing again (an end not recorded, or recorded differently): the caller writes
   * it once every stream is back, so that no stream is left out of it.
   */
  async restore(s: StoredStream): Promise<boolean> {
    const specs: ShardSpec[] =
      s.shards?.map((st) => ({
        index: st.index,
        range: { start: BigInt(st.start), end: BigInt(st.end) },
        createdMs: st.createdMs,
        parentShardId: st.parent,
        adjacentParentShardId: st.adjacentParent,
        closedMs: st.closedMs,
        // A retired shard is not opened: its recorded end is all there is. The others' ends come from their logs.
        endCounter: st.retired === true ? st.endCounter : undefined,
        retired: st.retired === true,
      })) ?? uniformSpecs(s.shardCount, s.createdMs);
    const stream = this.buildStream(s.name, s.createdMs, specs, s.mode as StreamMode, s.tags, s.retentionHours, true);
    stream.status = STREAM_STATUS.ACTIVE;
    stream.scalingMs.push(...(s.scalingMs ?? []));
    for (const c of s.consumers ?? []) this.consumers.restore(stream, c.name, c.createdMs, c.tags, c.policy ?? null);
    restoreSettings(stream.settings, s.settings);
    this.lastCreatedMs = Math.max(this.lastCreatedMs, s.createdMs);
    this.streams.add(stream);
    const live = stream.shards.filter((sh) => sh.retired !== true);
    // A retired shard's files, if a crash came between recording it and deleting them.
    for (const sh of stream.shards) if (sh.retired === true) this.persistence.removeShardDir(stream, sh.index);
    const recovered = await Promise.all(live.map((sh) => this.shards.open(stream, sh)));
    recovered.forEach((r, i) => {
      const line = `riffle: recovered ${stream.name} ${live[i]?.shardId}: ${r.records} record(s), next counter ${r.nextSeq}`;
      console.log(r.report === '' ? line : `${line}; ${r.report.replace(/\n/g, '; ')}`);
    });
    const closed = live.filter((sh) => sh.closedMs !== undefined);
    // An owner that cannot close it (1 s of tries) fails the start rather than hang it.
    await Promise.all(closed.map((sh) => {
      let tries = 0;
      return this.shards.close(stream, sh, () => ++tries > 50);
    }));
    const stored = new Map((s.shards ?? []).map((st) => [st.index, st.endCounter]));
    return closed.some((sh) => stored.get(sh.index) !== sh.endCounter);
  }

  async create(name: string, shardCount: number | undefined, mode: StreamMode, tags: Record<string, string> = {}, settings: Partial<StreamSettingsState> = {}): Promise<void> {
    if (this.streams.has(name)) {
      throw new AwsError('ResourceInUseException', `Stream ${name} under account ${this.account} already exists.`);
    }
    const count = shardCount ?? (mode === STREAM_MODE.ON_DEMAND ? ON_DEMAND_INITIAL_SHARDS : undefined);
    if (count === undefined) {
      throw new AwsError('InvalidArgumentException', 'ShardCount is required for PROVISIONED streams.');
    }
    this.checkShardLimit(count);
    this.checkTagCount(name, Object.keys(tags).length);
    if (mode === STREAM_MODE.ON_DEMAND) this.checkOnDemandLimit();
    if (this.streams.creatingCount() >= MAX_CREATING_STREAMS) {
      throw new AwsError(
        'LimitExceededException',
        `This request would exceed the limit of ${MAX_CREATING_STREAMS} streams in CREATING state for account ${this.account}.`,
      );
    }
    // Sequence numbers and iterators embed this; a stream deleted and re-created within the same
    // millisecond must still not accept the old one's numbers.
    const createdMs = Math.max(this.clock.now(), this.lastCreatedMs + 1);
    this.lastCreatedMs = createdMs;
    const stream = this.buildStream(name, createdMs, uniformSpecs(count, createdMs), mode, tags, DEFAULT_RETENTION_HOURS);
    Object.assign(stream.settings, settings);
    this.streams.add(stream);
    try {
      await Promise.all(stream.shards.map((s) => this.shards.open(stream, s)));
      this.persist();
    } catch (err) {
      // All or nothing: a stream whose shards could not all be created does not exist.
      this.streams.remove(stream);
      for (const s of stream.shards) void this.shards.control(stream, s, MSG.DELETE_SHARD).catch(() => undefined);
      throw err;
    }
    this.after(stream, this.config.createStreamMs, () => {
      if (stream.status === STREAM_STATUS.CREATING) stream.status = STREAM_STATUS.ACTIVE;
    });
  }

  private buildStream(
    name: string,
    createdMs: number,
    specs: readonly ShardSpec[],
    mode: StreamMode,
    tags: Record<string, string>,
    retentionHours: number,
    balance = false,
  ): Stream {
    const shards: Shard[] = [];
    let load: number[] | undefined;
    for (const spec of specs) {
      // Invariant: shards are kept by index (ACK entries and iterators name them by it).
      if (spec.index !== shards.length) throw new Error(`stream ${name}: shard ${spec.index} stored at position ${shards.length}`);
      const gid = this.newGid();
      // Restored: open shards go where fewest are; a new stream's go round-robin by gid.
      const owner = balance && spec.closedMs === undefined ? fewest(load ?? (load = this.shards.ownerLoad())) : this.pool.ownerOf(gid);
      const shard = this.shards.make(createdMs, spec, gid, owner);
      shards.push(shard);
    }
    return {
      name,
      arn: this.streams.arnFor(name),
      createdMs,
      status: STREAM_STATUS.CREATING,
      mode,
      retentionHours,
      shards,
      routing: routingFor(shards.filter(isOpen)),
      tags: new Map(Object.entries(tags)),
      consumers: new Map(),
      settings: defaultSettings(),
      scalingMs: [],
      timers: new Set(),
    };
  }

  /** Open shards that reshards under way will add (counted by checkShardLimit); negative to release. */
  reserveShards(n: number): void {
    this.reservedShards += n;
  }

  /** Open shards in the account, with those that reshards under way will add. */
  openShardsWithReserved(): number {
    return this.streams.openShardCount() + Math.max(0, this.reservedShards);
  }

  checkShardLimit(additional: number): void {
    const current = this.openShardsWithReserved();
    if (current + additional > this.config.shardLimit) {
      throw new AwsError(
        'LimitExceededException',
        `This request would exceed the shard limit for the account ${this.account} in ${this.config.region}. ` +
          `Current shard count for the account: ${current}. Limit: ${this.config.shardLimit}. ` +
          `Number of additional shards that would have resulted from this request: ${additional}. ` +
          'Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
          'for current limits and how to request higher limits.',
      );
    }
  }

  private checkOnDemandLimit(): void {
    if (this.streams.onDemandStreamCount() >= ON_DEMAND_STREAM_LIMIT) {
      throw new AwsError(
        'LimitExceededException',
        `This request would exceed the on-demand stream count limit of ${ON_DEMAND_STREAM_LIMIT} for account ${this.account} in ${this.config.region}.`,
      );
    }
  }

  delete(ref: StreamRef, enforceConsumerDeletion = false): void {
    const stream = this.streams.get(ref);
    if (stream.status === STREAM_STATUS.DELETING) throw this.streams.notFound(stream.name);
    if (stream.status === STREAM_STATUS.CREATING) {
      throw new AwsError('ResourceInUseException', `Attempt to change a resource which is still in use: Stream is being created: ${stream.name}`);
    }
    if (stream.consumers.size > 0 && !enforceConsumerDeletion) {
      throw new AwsError(
        'ResourceInUseException',
        `Stream ${stream.name} under account ${this.account} has registered consumers. Deregister them first, or set EnforceConsumerDeletion to true.`,
      );
    }
    for (const c of stream.consumers.values()) this.consumers.deregister(c);
    for (const t of stream.timers) clearTimeout(t);
    stream.timers.clear();
    stream.status = STREAM_STATUS.DELETING;
    this.persist(); // a restart finishes the deletion: the stream is no longer recorded
    this.after(stream, this.config.deleteStreamMs, () => {
      if (!this.streams.remove(stream)) return;
      // The files go first, without waiting for the owners: one whose disk is full holds its
      // messages until there is room, and deleting a stream is how an operator makes it (a log whose
      // directory vanished makes it again for what it still had staged; DELETE_SHARD removes that).
      // An owner that cannot take the deletion now is told again until it is done.
      const remove = (): boolean => {
        try {
          this.persistence.removeStream(stream);
          return true;
        } catch (err) {
          console.error(`riffle: removing the files of stream ${stream.name}: ${(err as Error).message}`);
          return false;
        }
      };
      remove();
      void Promise.allSettled(stream.shards.map((s) => this.shards.control(stream, s, MSG.DELETE_SHARD))).then((outcomes) => {
        outcomes.forEach((o, i) => {
          if (o.status === 'rejected') void this.shards.deleteLater(stream, stream.shards[i] as Shard);
        });
        // Once the owners are done with it, whatever a segment roll added meanwhile goes too.
        remove();
      });
    });
  }

  requireActive(stream: Stream): void {
    if (stream.status !== STREAM_STATUS.ACTIVE) {
      throw new AwsError('ResourceInUseException', `Stream ${stream.name} under account ${this.account} not ACTIVE, instead in state ${stream.status}`);
    }
  }

  async setRetention(ref: StreamRef, hours: number, direction: 'increase' | 'decrease'): Promise<void> {
    const stream = this.streams.get(ref);
    this.requireActive(stream);
    if (direction === 'increase' && hours < stream.retentionHours) {
      throw new AwsError(
        'InvalidArgumentException',
        `Requested retention period (${hours} hours) for stream ${stream.name} can not be shorter than existing retention period (${stream.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
      );
    }
    if (direction === 'decrease' && hours > stream.retentionHours) {
      throw new AwsError(
        'InvalidArgumentException',
        `Requested retention period (${hours} hours) for stream ${stream.name} can not be longer than existing retention period (${stream.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
      );
    }
    stream.retentionHours = hours;
    await Promise.all(stream.shards.map((s) => this.shards.control(stream, s, MSG.SET_RETENTION, hours * HOUR_MS)));
    this.persist();
  }

  /** `switched` runs once the stream is in its new mode (UpdateStreamMode's WarmThroughputMiBps). */
  updateStreamMode(ref: StreamRef, mode: StreamMode, switched: (stream: Stream) => void = () => undefined): void {
    const stream = this.streams.get(ref);
    this.requireActive(stream);
    if (stream.mode === mode) {
      throw new AwsError('InvalidArgumentException', `Stream ${stream.name} is already in ${mode} mode.`);
    }
    if (mode === STREAM_MODE.ON_DEMAND) this.checkOnDemandLimit();
    stream.status = STREAM_STATUS.UPDATING;
    this.after(stream, this.config.updateStreamMs, () => {
      stream.mode = mode;
      // What only on-demand streams have does not carry over: a provisioned stream routes by key.
      if (mode === STREAM_MODE.PROVISIONED) {
        stream.settings.distribution = DISTRIBUTION.USER_PARTITION_KEY;
        stream.settings.warmThroughput = null;
      }
      if (stream.status === STREAM_STATUS.UPDATING) stream.status = STREAM_STATUS.ACTIVE;
      try {
        this.persist();
      } catch (err) {
        console.error(`riffle: could not record ${stream.name}'s new mode in the manifest:`, err);
      }
      switched(stream);
    });
  }

  addTags(ref: StreamRef, tags: Record<string, string>): void {
    const stream = this.streams.get(ref);
    this.checkTagCount(stream.name, new Set([...stream.tags.keys(), ...Object.keys(tags)]).size);
    for (const [k, v] of Object.entries(tags)) stream.tags.set(k, v);
    this.persist();
  }

  private checkTagCount(name: string, count: number): void {
    if (count > MAX_TAGS_PER_STREAM) {
      throw new AwsError(
        'InvalidArgumentException',
        `Failed to add tags to stream ${name} under account ${this.account} because a given stream cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`,
      );
    }
  }

  removeTags(ref: StreamRef, keys: readonly string[]): void {
    const stream = this.streams.get(ref);
    for (const k of keys) stream.tags.delete(k);
    this.persist();
  }

  /** Clears every pending state transition (engine close). */
  cancelTimers(): void {
    for (const s of this.streams.all()) for (const t of s.timers) clearTimeout(t);
  }
}

/** A stream's settings from the manifest (absent ones keep their defaults). */
function restoreSettings(into: Stream['settings'], stored: StoredStream['settings']): void {
  if (stored === undefined) return;
  into.shardLevelMetrics = stored.shardLevelMetrics ?? [];
  into.kmsKeyId = stored.kmsKeyId ?? null;
  into.policy = stored.policy ?? null;
  into.maxRecordSizeKiB = stored.maxRecordSizeKiB ?? 1024;
  into.warmThroughput = stored.warmThroughputMiBps === undefined ? null : { targetMiBps: stored.warmThroughputMiBps, currentMiBps: stored.warmThroughputMiBps };
  into.distribution = stored.distribution === DISTRIBUTION.AUTO ? DISTRIBUTION.AUTO : DISTRIBUTION.USER_PARTITION_KEY;
}
