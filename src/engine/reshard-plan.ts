/**
 * What a reshard does, as data: the shards it closes and the shards it makes (with their hash
 * ranges, parents and new indexes), planned from the stream's open shards. SplitShard and
 * MergeShards are one step each; UpdateShardCount's UNIFORM_SCALING is a sequence of them that
 * ends with `target` open shards of even ranges (CreateStream's split of the key space), as AWS
 * does it: every shard in it has at most two parents, and shards made and closed within the same
 * reshard (a split shard split again, a merge merged again) are part of the lineage too.
 * Pure: nothing here touches the engine.
 */
import { splitHashKeySpace, type HashRange } from './hash-key.js';
import { shardIdFor, type Shard } from './model.js';

export interface PlannedShard {
  readonly index: number;
  readonly shardId: string;
  readonly range: HashRange;
  readonly parentShardId: string;
  readonly adjacentParentShardId?: string | undefined;
  /** Made and closed by the same reshard (an intermediate step of UNIFORM_SCALING). */
  readonly transient: boolean;
}

export interface ReshardPlan {
  /** Open shards the reshard closes. */
  readonly closes: readonly Shard[];
  /** New shards, in index order from `firstIndex`. */
  readonly shards: readonly PlannedShard[];
}

class Builder {
  private readonly made: PlannedShard[] = [];
  private readonly closed = new Set<number>();
  constructor(private next: number) {}

  add(range: HashRange, parent: string, adjacent?: string): PlannedShard {
    const index = this.next++;
    const made: PlannedShard = { index, shardId: shardIdFor(index), range, parentShardId: parent, adjacentParentShardId: adjacent, transient: false };
    this.made.push(made);
    return made;
  }

  /** A shard this plan made is closed again by a later step. */
  close(made: PlannedShard): void {
    this.closed.add(made.index);
  }

  get shards(): PlannedShard[] {
    return this.made.map((m) => (this.closed.has(m.index) ? { ...m, transient: true } : m));
  }
}

/** SplitShard: two children, the lower range first; `at` is the upper child's starting hash key. */
export function planSplit(shard: Shard, at: bigint, firstIndex: number): ReshardPlan {
  const b = new Builder(firstIndex);
  b.add({ start: shard.range.start, end: at - 1n }, shard.shardId);
  b.add({ start: at, end: shard.range.end }, shard.shardId);
  return { closes: [shard], shards: b.shards };
}

/** MergeShards: one child; ParentShardId is the shard to merge, AdjacentParentShardId the other. */
export function planMerge(shard: Shard, adjacent: Shard, firstIndex: number): ReshardPlan {
  const b = new Builder(firstIndex);
  const start = shard.range.start < adjacent.range.start ? shard.range.start : adjacent.range.start;
  const end = shard.range.end > adjacent.range.end ? shard.range.end : adjacent.range.end;
  b.add({ start, end }, shard.shardId, adjacent.shardId);
  return { closes: [shard, adjacent], shards: b.shards };
}

interface Piece {
  range: HashRange;
  /** The open shard it is (unchanged so far), or the planned shard that holds it. */
  shard: Shard | null;
  made: PlannedShard | null;
}

/**
 * UNIFORM_SCALING to `target` shards: every open shard is split at each target boundary inside
 * it (in order: the upper part is split again), then the pieces within each target range are
 * merged left to right. A shard whose range is already a target range stays open.
 */
export function planUniform(open: readonly Shard[], target: number, firstIndex: number): ReshardPlan {
  const ranges = splitHashKeySpace(target);
  const boundaries = ranges.slice(1).map((r) => r.start);
  const b = new Builder(firstIndex);
  const closes: Shard[] = [];
  const pieces: Piece[] = [];
  const sorted = [...open].sort((x, y) => (x.range.start < y.range.start ? -1 : 1));
  // Linear: shards and boundaries are both in key order, so one pointer walks the boundaries.
  let bi = 0;
  for (const shard of sorted) {
    while (bi < boundaries.length && (boundaries[bi] as bigint) <= shard.range.start) bi++;
    const inside: bigint[] = [];
    while (bi < boundaries.length && (boundaries[bi] as bigint) <= shard.range.end) inside.push(boundaries[bi++] as bigint);
    if (inside.length === 0) {
      pieces.push({ range: shard.range, shard, made: null });
      continue;
    }
    closes.push(shard);
    let parent = shard.shardId;
    let start = shard.range.start;
    let upper: PlannedShard | null = null;
    for (const k of inside) {
      if (upper !== null) b.close(upper);
      const lower = b.add({ start, end: k - 1n }, parent);
      upper = b.add({ start: k, end: shard.range.end }, parent);
      pieces.push({ range: lower.range, shard: null, made: lower });
      parent = upper.shardId;
      start = k;
    }
    pieces.push({ range: (upper as PlannedShard).range, shard: null, made: upper });
  }
  let pi = 0;
  for (const range of ranges) {
    // The pieces are in key order and each lies within one range: take this range's run of them.
    const within: Piece[] = [];
    while (pi < pieces.length && (pieces[pi] as Piece).range.end <= range.end) within.push(pieces[pi++] as Piece);
    let acc = within[0] as Piece;
    for (const next of within.slice(1)) {
      for (const p of [acc, next]) {
        if (p.shard !== null) closes.push(p.shard);
        else b.close(p.made as PlannedShard);
      }
      const merged = b.add({ start: acc.range.start, end: next.range.end }, idOf(acc), idOf(next));
      acc = { range: merged.range, shard: null, made: merged };
    }
  }
  return { closes, shards: b.shards };
}

function idOf(p: Piece): string {
  return p.shard !== null ? p.shard.shardId : (p.made as PlannedShard).shardId;
}
