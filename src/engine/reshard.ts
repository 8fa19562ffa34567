/**
 * Resharding: SplitShard, MergeShards and UpdateShardCount (UNIFORM_SCALING). A call checks what
 * AWS checks, puts the stream in UPDATING and answers; after `--update-stream-ms` the reshard takes
 * effect (at once when that is 0, before the call answers):
 *
 *   1. the new shards are created at their owners (the least loaded), empty;
 *   2. in one synchronous step: the manifest is written with them and with their parents closed,
 *      and the stream's routing switches to the new open shards;
 *   3. the parents are closed at their owners (CLOSE_SHARD), whose replies give their ends.
 *
 * The parents take writes until step 2; a write routed before it reaches the parent's owner before
 * CLOSE_SHARD (one ring per owner, in order), and none is routed to a closed shard after it. A
 * crash before step 2 leaves the stream as it was (the new shards' directories are removed when a
 * later reshard reuses their indexes); after it, the reshard happened, and a parent whose end was
 * not recorded yet ends where its log does. Either way no acknowledged record is lost or in two shards.
 */
import { AwsError, internalFailure } from '../aws/errors.js';
import type { RiffleConfig } from '../config.js';
import type { SharedClock } from '../shard/clock.js';
import { MSG, encodeShardControl } from '../shard/messages.js';
import type { OwnerPool } from '../shard/pool/owner-pool.js';
import type { StreamLifecycle } from './lifecycle.js';
import { isExpired, isOpen, routingFor } from './lineage.js';
import { openShards, STREAM_MODE, STREAM_STATUS, type Shard, type Stream, type StreamRef } from './model.js';
import type { Persistence } from './persistence.js';
import type { PushReads } from './push-reads.js';
import type { StreamRegistry } from './registry.js';
import { fewest } from './shard-ops.js';
import { planMerge, planSplit, planUniform, type ReshardPlan } from './reshard-plan.js';

/** UpdateShardCount: "You can't ... scale more than ten times per rolling 24-hour period per stream". */
export const SCALING_CALLS_PER_DAY = 10;
const DAY_MS = 86_400_000;
/** "... scale up to more than 10000 shards in a stream". */
export const STREAM_SHARDS_MAX = 10_000;

export class Resharder {
  /** Reshards being applied (tests and shutdown wait on them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** The engine is closing: a close being retried gives up. */
  private closing = false;

  constructor(
    private readonly config: RiffleConfig,
    private readonly streams: StreamRegistry,
    private readonly lifecycle: StreamLifecycle,
    private readonly pool: OwnerPool,
    private readonly clock: SharedClock,
    private readonly persistence: Persistence,
    private readonly push: PushReads,
  ) {}

  private get account(): string {
    return this.config.accountId;
  }

  /** SplitShard. Checks in the order AWS does: the shard, the account's shard limit, the key, the state. */
  async split(ref: StreamRef, shardId: string, newStartingHashKey: string): Promise<void> {
    const stream = this.provisioned(ref);
    const shard = this.openShard(stream, shardId);
    this.lifecycle.checkShardLimit(1);
    const at = BigInt(newStartingHashKey);
    // AWS's words: "greater than one plus the shard's StartingHashKey and less than [its] EndingHashKey".
    if (at <= shard.range.start + 1n || at >= shard.range.end) {
      throw new AwsError(
        'InvalidArgumentException',
        `NewStartingHashKey ${newStartingHashKey} used in SplitShard() on shard ${shardId} in stream ${stream.name} under account ${this.account} ` +
          `is not both greater than one plus the shard's StartingHashKey ${shard.range.start} and less than the shard's EndingHashKey ${shard.range.end}.`,
      );
    }
    this.lifecycle.requireActive(stream);
    await this.begin(stream, planSplit(shard, at, stream.shards.length));
  }

  /**
   * MergeShards: AdjacentShardToMerge's range must start right after ShardToMerge's (observed on
   * AWS: the pair given the other way round is refused with the same error).
   */
  async merge(ref: StreamRef, shardId: string, adjacentShardId: string): Promise<void> {
    const stream = this.provisioned(ref);
    const shard = this.openShard(stream, shardId);
    const other = this.openShard(stream, adjacentShardId);
    if (shard.range.end + 1n !== other.range.start) {
      throw new AwsError(
        'InvalidArgumentException',
        `Shards ${shardId} and ${adjacentShardId} in stream ${stream.name} under account ${this.account} are not an adjacent pair of shards eligible for merging`,
      );
    }
    this.lifecycle.requireActive(stream);
    await this.begin(stream, planMerge(shard, other, stream.shards.length));
  }

  /** UNIFORM_SCALING to `target` open shards; returns the open shard count before it. */
  async updateShardCount(ref: StreamRef, target: number): Promise<number> {
    const stream = this.provisioned(ref);
    this.lifecycle.requireActive(stream);
    const open = openShards(stream);
    const current = open.length;
    const now = this.clock.now();
    const recent = stream.scalingMs.filter((t) => now - t < DAY_MS);
    const refuse = (message: string): AwsError => new AwsError('LimitExceededException', message);
    const counts = `Current open shard count: ${current}, Target shard count: ${target}`;
    if (recent.length >= SCALING_CALLS_PER_DAY) {
      throw refuse(`Exceeded the number of allowed UpdateShardCount calls (${SCALING_CALLS_PER_DAY}) in a rolling 24-hour period for stream ${stream.name} under account ${this.account}.`);
    }
    if (target > current * 2) throw refuse(`UpdateShardCount cannot scale up over double your current open shard count. ${counts}`);
    if (target * 2 < current) throw refuse(`UpdateShardCount cannot scale down below half your current open shard count. ${counts}`);
    // A stream over the per-stream maximum may only scale down to under it.
    if (target > STREAM_SHARDS_MAX && !(current > STREAM_SHARDS_MAX && target < current)) {
      throw refuse(`Target shard count or number of open shards cannot be greater than ${STREAM_SHARDS_MAX}. ${counts}`);
    }
    // Observed on AWS (kinesalite's tests): this wording, naming the account's shard limit.
    if (target > current && this.lifecycle.openShardsWithReserved() - current + target > this.config.shardLimit) {
      throw refuse(`Target shard count or number of open shards cannot be greater than ${this.config.shardLimit}. ${counts}`);
    }
    stream.scalingMs.splice(0, stream.scalingMs.length, ...recent, now);
    const plan = planUniform(open, target, stream.shards.length);
    if (plan.shards.length === 0) return current; // already that many even shards
    await this.begin(stream, plan);
    return current;
  }

  /**
   * Warm throughput (stream-settings.ts): an on-demand stream is brought to at least `shards`
   * open shards of even ranges, in one reshard (UNIFORM_SCALING's plan, with none of its per-call
   * limits but the account's shard limit).
   */
  async scaleTo(stream: Stream, shards: number): Promise<void> {
    this.lifecycle.requireActive(stream);
    const open = openShards(stream);
    if (shards <= open.length) return;
    this.lifecycle.checkShardLimit(shards - open.length);
    await this.begin(stream, planUniform(open, shards, stream.shards.length));
  }

  /** On-demand scaling (on-demand.ts): `shard` splits evenly, as SplitShard would split it. */
  async autoSplit(stream: Stream, shard: Shard): Promise<void> {
    if (stream.status !== STREAM_STATUS.ACTIVE || !isOpen(shard)) return;
    const { start, end } = shard.range;
    const at = start + (end - start + 1n) / 2n;
    if (at <= start + 1n || at >= end) return; // too narrow to split (a range of a few keys)
    this.lifecycle.checkShardLimit(1);
    await this.begin(stream, planSplit(shard, at, stream.shards.length));
  }

  /**
   * Closed shards whose records have all passed the retention period (AWS lists them no more) are
   * retired: recorded as such, then deleted at their owners and on disk. They stay in the stream
   * as tombstones, so their indexes are not reused and their children's lineage still names them.
   */
  async retireExpired(): Promise<void> {
    const now = this.clock.now();
    const retiring: Array<{ stream: Stream; shard: Shard }> = [];
    for (const stream of this.streams.all()) {
      for (const shard of stream.shards) {
        if (shard.retired === true || shard.endCounter === undefined || !isExpired(stream, shard, now)) continue;
        shard.retired = true;
        retiring.push({ stream, shard });
      }
    }
    if (retiring.length === 0) return;
    this.lifecycle.persist(); // first: a restart then neither opens them nor keeps their files
    await Promise.all(
      retiring.map(({ stream, shard }) =>
        this.pool
          .request(shard.owner, (id) => encodeShardControl(MSG.DELETE_SHARD, id, shard.gid), () => undefined)
          .catch(() => undefined)
          .then(() => this.persistence.removeShardDir(stream, shard.index)),
      ),
    );
  }

  /** Resolves when every reshard under way has taken effect (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Resharding is for provisioned streams: on-demand ones scale themselves. */
  private provisioned(ref: StreamRef): Stream {
    const stream = this.streams.get(ref);
    if (stream.mode === STREAM_MODE.ON_DEMAND) {
      // AWS's wording is not published; this is moto's.
      throw new AwsError('ValidationException', `Request is invalid. Stream ${stream.name} under account ${this.account} is in On-Demand mode.`);
    }
    return stream;
  }

  private openShard(stream: Stream, shardId: string): Shard {
    const shard = this.streams.shard(stream, shardId);
    if (!isOpen(shard)) {
      throw new AwsError(
        'InvalidArgumentException',
        `Shard ${shardId} in stream ${stream.name} under account ${this.account} has already been merged or split, and thus is not eligible for merging or splitting.`,
      );
    }
    return shard;
  }

  /** UPDATING now; the reshard takes effect after --update-stream-ms (awaited when that is 0). */
  private async begin(stream: Stream, plan: ReshardPlan): Promise<void> {
    stream.status = STREAM_STATUS.UPDATING;
    // Its new open shards count toward the account's limit from now on, not once they exist.
    const reserved = plan.shards.filter((p) => !p.transient).length - plan.closes.length;
    this.lifecycle.reserveShards(reserved);
    const run = (): Promise<void> => {
      const p = this.apply(stream, plan).finally(() => {
        this.inFlight.delete(p);
        this.lifecycle.reserveShards(-reserved);
        if (stream.status === STREAM_STATUS.UPDATING) stream.status = STREAM_STATUS.ACTIVE;
      });
      this.inFlight.add(p);
      return p;
    };
    const failed = (err: unknown): never => {
      console.error(`riffle: reshard of ${stream.name} did not take effect:`, err);
      throw internalFailure();
    };
    // At once: the caller learns whether it took effect. Later: it is only logged (AWS too answers first).
    if (this.config.updateStreamMs === 0) return run().catch(failed);
    this.lifecycle.after(stream, this.config.updateStreamMs, () => void run().catch((err: unknown) => console.error(`riffle: reshard of ${stream.name} did not take effect:`, err)));
  }

  private live(stream: Stream): boolean {
    return this.streams.ifSame(stream.name, stream.createdMs) === stream && stream.status === STREAM_STATUS.UPDATING;
  }

  private async apply(stream: Stream, plan: ReshardPlan): Promise<void> {
    // Invariant: nothing else reshards an UPDATING stream, so the plan's indexes are still next.
    if (plan.shards[0] !== undefined && plan.shards[0].index !== stream.shards.length) throw new Error(`reshard of ${stream.name} planned from a stale shard list`);
    const now = this.clock.now();
    const made: Shard[] = [];
    // Placement by the load after the reshard: the shards it closes count for nothing.
    const load = this.lifecycle.shards.ownerLoad();
    for (const sh of plan.closes) load[sh.owner] = Math.max(0, (load[sh.owner] as number) - 1);
    for (const p of plan.shards) {
      const gid = this.lifecycle.newGid();
      const owner = p.transient ? this.pool.ownerOf(gid) : fewest(load);
      made.push(this.lifecycle.shards.make(stream.createdMs, { index: p.index, range: p.range, createdMs: now, parentShardId: p.parentShardId, adjacentParentShardId: p.adjacentParentShardId }, gid, owner));
    }
    // 1. The new shards, empty, at their owners (a directory an interrupted reshard left is cleared first).
    for (const sh of made) this.persistence.removeShardDir(stream, sh.index);
    try {
      await Promise.all(made.map((sh) => this.lifecycle.shards.open(stream, sh)));
    } catch (err) {
      await this.discard(stream, made);
      throw err;
    }
    if (!this.live(stream)) return this.discard(stream, made);
    // 2. Synchronously: recorded, then routed. No write reaches a new shard before the manifest names it.
    const closing = [...plan.closes, ...made.filter((_, i) => plan.shards[i]?.transient === true)];
    stream.shards.push(...made);
    for (const sh of closing) sh.closedMs = now;
    try {
      this.lifecycle.persist();
    } catch (err) {
      stream.shards.splice(stream.shards.length - made.length, made.length);
      for (const sh of closing) delete sh.closedMs;
      await this.discard(stream, made);
      throw err;
    }
    stream.routing = routingFor(openShards(stream));
    // 3. The closed shards' owners close them (until they do: the manifest says they are closed);
    // their readers are then told, whatever else fails.
    try {
      await Promise.all(closing.map((sh) => this.lifecycle.shards.close(stream, sh, () => this.closing || this.streams.ifSame(stream.name, stream.createdMs) !== stream)));
      if (this.streams.ifSame(stream.name, stream.createdMs) === stream) this.lifecycle.persist();
    } finally {
      for (const sh of closing) if (sh.endCounter !== undefined) this.push.closed(stream, sh);
    }
  }

  /**
   * New shards of a reshard that did not take effect are deleted at their owners and on disk
   * before the stream is ACTIVE again (the next reshard reuses their indexes and directories).
   */
  private async discard(stream: Stream, made: readonly Shard[]): Promise<void> {
    await Promise.all(
      made.map((sh) =>
        this.pool
          .request(sh.owner, (id) => encodeShardControl(MSG.DELETE_SHARD, id, sh.gid), () => undefined)
          .catch(() => undefined)
          .then(() => this.persistence.removeShardDir(stream, sh.index)),
      ),
    );
  }

  /** Engine close: closes still being retried give up. */
  stop(): void {
    this.closing = true;
  }
}

