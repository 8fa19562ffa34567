import type { HashRange } from './hash-key.js';
import { splitHashKeySpace } from './hash-key.js';
import { isOpen } from './lineage.js';
import { shardIdFor, type Shard, type Stream } from './model.js';
import { ownerError } from './owner-status.js';
import type { Persistence } from './persistence.js';
import type { StreamRegistry } from './registry.js';
import { formatSequenceNumber, sequencePrefix } from './sequence-number.js';
import { decodeShardRecovery, encodeShardControl, MSG, SHARD_FLAG_LOST, STATUS, type ShardRecovery } from '../shard/messages.js';
import type { OwnerPool } from '../shard/pool/owner-pool.js';

const HOUR_MS = 3_600_000;

/** A shard as a stream is built with it: where it sits in the key space and in the lineage. */
export interface ShardSpec {
  index: number;
  range: HashRange;
  createdMs: number;
  parentShardId?: string | undefined;
  adjacentParentShardId?: string | undefined;
  closedMs?: number | undefined;
  endCounter?: number | undefined;
  /** Closed and expired: its log is gone; kept so that its index and lineage stay. */
  retired?: boolean;
}

/** CreateStream's shards: the key space split evenly. */
export function uniformSpecs(count: number, createdMs: number): ShardSpec[] {
  return splitHashKeySpace(count).map((range, index) => ({ index, range, createdMs }));
}

/**
 * Shards at their owners, for stream lifecycle and resharding alike: a shard's model made from
 * its spec, created (recovered) at its owner, closed, deleted or given a retention; and where new
 * ones go (the owner with the fewest open shards).
 */
export class ShardOps {
  constructor(
    private readonly pool: OwnerPool,
    private readonly persistence: Persistence,
    private readonly streams: StreamRegistry,
    private readonly account: string,
  ) {}

  /** A shard of the stream created at `streamCreatedMs`, on `owner`. */
  make(streamCreatedMs: number, spec: ShardSpec, gid: number, owner: number): Shard {
    const seqPrefix = sequencePrefix(streamCreatedMs, spec.index);
    const shard: Shard = {
      shardId: shardIdFor(spec.index),
      index: spec.index,
      gid,
      owner,
      range: spec.range,
      startingSequenceNumber: formatSequenceNumber(seqPrefix, 0),
      seqPrefix,
      parentShardId: spec.parentShardId,
      adjacentParentShardId: spec.adjacentParentShardId,
      createdMs: spec.createdMs,
      demandBytes: 0,
      demandRecords: 0,
    };
    if (spec.closedMs !== undefined) shard.closedMs = spec.closedMs;
    if (spec.endCounter !== undefined) this.setEnd(shard, spec.endCounter);
    if (spec.retired === true) shard.retired = true;
    return shard;
  }

  /** The closed shard's end: the counter past its last record. */
  setEnd(shard: Shard, endCounter: number): void {
    shard.endCounter = endCounter;
    shard.endingSequenceNumber = formatSequenceNumber(shard.seqPrefix, endCounter);
  }

  /** Open shards per owner, over every stream: where a reshard's new shards go (the fewest first). */
  ownerLoad(): number[] {
    const counts = new Array<number>(this.pool.size).fill(0);
    for (const st of this.streams.all()) for (const sh of st.shards) if (isOpen(sh)) counts[sh.owner] = (counts[sh.owner] as number) + 1;
    return counts;
  }

  /** Creates the shard in its owner: in memory, or durable (recovering what its directory holds). */
  open(stream: Stream, shard: Shard): Promise<ShardRecovery> {
    const dir = this.persistence.shardDir(stream, shard.index);
    return this.pool.request(
      shard.owner,
      (id) => encodeShardControl(MSG.CREATE_SHARD, id, shard.gid, stream.retentionHours * HOUR_MS, shard.index, dir),
      (h, r) => {
        const recovery = dir === '' ? { records: 0, nextSeq: 0, truncatedBytes: 0, report: '' } : decodeShardRecovery(r);
        if (h.status !== STATUS.OK) throw ownerError(h.status, { account: this.account, stream, shard }, recovery.report || undefined);
        return recovery;
      },
    );
  }

  /**
   * The shard again at its owner's replacement (the pool's RestoreOwner): a durable one recovered
   * from its directory (and closed again if it was), an in-memory one marked LOST, so it answers a
   * clear error rather than look empty. Returns whether it was recovered from disk.
   */
  async reopen(stream: Stream, shard: Shard): Promise<boolean> {
    const dir = this.persistence.shardDir(stream, shard.index);
    const ctx = { account: this.account, stream, shard };
    await this.pool.restoreRequest(
      shard.owner,
      (id) => encodeShardControl(MSG.CREATE_SHARD, id, shard.gid, stream.retentionHours * HOUR_MS, shard.index, dir, dir === '' ? SHARD_FLAG_LOST : 0),
      (h, r) => {
        const report = dir === '' ? '' : decodeShardRecovery(r).report;
        if (h.status !== STATUS.OK) throw ownerError(h.status, ctx, report || undefined);
      },
    );
    if (shard.closedMs !== undefined) {
      await this.pool.restoreRequest(
        shard.owner,
        (id) => encodeShardControl(MSG.CLOSE_SHARD, id, shard.gid),
        (h) => {
          if (h.status !== STATUS.OK) throw ownerError(h.status, ctx);
        },
      );
    }
    return dir !== '';
  }

  /**
   * Closes the shard at its owner (it takes no more records) and records where it ends. Retried
   * (every 10 ms, then up to every second) until it is done or `giveUp` says so: once the manifest
   * says a shard is closed, its owner must close it.
   */
  async close(stream: Stream, shard: Shard, giveUp: () => boolean = () => false): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.pool.request(
          shard.owner,
          (id) => encodeShardControl(MSG.CLOSE_SHARD, id, shard.gid),
          (h, r) => {
            if (h.status !== STATUS.OK) throw ownerError(h.status, { account: this.account, stream, shard });
            // Set here, as the reply is read: the reads the owner answers after it find the end known.
            const next = r.f64();
            if (shard.endCounter === undefined) this.setEnd(shard, next);
          },
        );
        return;
      } catch (err) {
        if (giveUp()) throw err;
        if (attempt === 100) console.error(`riffle: closing ${stream.name} ${shard.shardId} keeps failing (${(err as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * (attempt + 1))));
      }
    }
  }

  /** DELETE_SHARD again after 1, 2, 4... s (then every minute) until the owner has done it. */
  async deleteLater(stream: Stream, shard: Shard): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(60_000, 1000 * 2 ** attempt)).unref());
      try {
        return await this.control(stream, shard, MSG.DELETE_SHARD);
      } catch {
        // the owner still cannot take it
      }
    }
  }

  control(stream: Stream, shard: Shard, type: typeof MSG.DELETE_SHARD | typeof MSG.SET_RETENTION, retentionMs = 0): Promise<void> {
    return this.pool.request(
      shard.owner,
      (id) => encodeShardControl(type, id, shard.gid, retentionMs, shard.index),
      (h) => {
        // A shard that is already gone has nothing left to delete or retain.
        if (h.status !== STATUS.OK && h.status !== STATUS.SHARD_NOT_FOUND) throw ownerError(h.status, { account: this.account, stream, shard });
      },
    );
  }
}

/** The owner with the fewest open shards in `load`, counted as taken. */
export function fewest(load: number[]): number {
  let best = 0;
  for (let o = 1; o < load.length; o++) if ((load[o] as number) < (load[best] as number)) best = o;
  load[best] = (load[best] as number) + 1;
  return best;
}
