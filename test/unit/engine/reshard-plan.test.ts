import { describe, expect, it } from 'vitest';
import { splitHashKeySpace, type HashRange } from '../../../src/engine/hash-key.js';
import { shardIdFor, type Shard } from '../../../src/engine/model.js';
import { planMerge, planSplit, planUniform, type ReshardPlan } from '../../../src/engine/reshard-plan.js';

function shard(index: number, range: HashRange): Shard {
  return { shardId: shardIdFor(index), index, gid: index, owner: 0, range, startingSequenceNumber: '0', seqPrefix: '', createdMs: 0 };
}

function stream(count: number): Shard[] {
  return splitHashKeySpace(count).map((r, i) => shard(i, r));
}

/** The open shards after the plan, and every lineage rule checked on the way. */
function apply(open: Shard[], plan: ReshardPlan, firstIndex: number): Shard[] {
  const ranges = new Map<string, HashRange>(open.map((s) => [s.shardId, s.range]));
  plan.shards.forEach((p, i) => {
    expect(p.index).toBe(firstIndex + i); // the next free ids, in order
    const parents = [p.parentShardId, ...(p.adjacentParentShardId === undefined ? [] : [p.adjacentParentShardId])];
    const pr = parents.map((id) => ranges.get(id) as HashRange);
    expect(pr.every((r) => r !== undefined)).toBe(true);
    if (pr.length === 2) {
      // a merge: two adjacent parents, the child is exactly their union
      const [a, b] = pr as [HashRange, HashRange];
      expect(a.end + 1n).toBe(b.start);
      expect(p.range).toEqual({ start: a.start, end: b.end });
    } else {
      // a split: inside its parent
      const a = pr[0] as HashRange;
      expect(p.range.start >= a.start && p.range.end <= a.end).toBe(true);
    }
    ranges.set(p.shardId, p.range);
  });
  // each split parent's children partition it exactly
  const byParent = new Map<string, HashRange[]>();
  for (const p of plan.shards) if (p.adjacentParentShardId === undefined) byParent.set(p.parentShardId, [...(byParent.get(p.parentShardId) ?? []), p.range]);
  for (const [parent, kids] of byParent) {
    kids.sort((x, y) => (x.start < y.start ? -1 : 1));
    const r = ranges.get(parent) as HashRange;
    expect(kids[0]?.start).toBe(r.start);
    expect(kids[kids.length - 1]?.end).toBe(r.end);
    for (let i = 1; i < kids.length; i++) expect((kids[i] as HashRange).start).toBe((kids[i - 1] as HashRange).end + 1n);
  }
  const closed = new Set(plan.closes.map((s) => s.shardId));
  // transient shards are parents of later ones; nothing is closed twice
  expect(closed.size).toBe(plan.closes.length);
  for (const p of plan.shards.filter((x) => x.transient)) {
    expect(plan.shards.some((q) => q.parentShardId === p.shardId || q.adjacentParentShardId === p.shardId)).toBe(true);
  }
  const after = [...open.filter((s) => !closed.has(s.shardId)), ...plan.shards.filter((p) => !p.transient).map((p) => shard(p.index, p.range))];
  return after.sort((x, y) => (x.range.start < y.range.start ? -1 : 1));
}

describe('reshard plans', () => {
  it('SplitShard makes two children that partition the parent, lower first', () => {
    const [s0] = stream(1) as [Shard];
    const at = 1n << 127n;
    const plan = planSplit(s0, at, 1);
    expect(plan.shards.map((p) => [p.shardId, p.range.start, p.range.end, p.parentShardId])).toEqual([
      ['shardId-000000000001', 0n, at - 1n, 'shardId-000000000000'],
      ['shardId-000000000002', at, (1n << 128n) - 1n, 'shardId-000000000000'],
    ]);
    expect(apply([s0], plan, 1).map((s) => s.range)).toEqual(plan.shards.map((p) => p.range));
  });

  it('MergeShards makes one child with ShardToMerge as parent and the other as adjacent parent', () => {
    const [a, b] = stream(2) as [Shard, Shard];
    const plan = planMerge(a, b, 2);
    expect(plan.shards).toHaveLength(1);
    expect(plan.shards[0]).toMatchObject({ shardId: 'shardId-000000000002', parentShardId: a.shardId, adjacentParentShardId: b.shardId, range: { start: 0n, end: (1n << 128n) - 1n } });
  });

  it('UNIFORM_SCALING ends with the target count of even ranges from any count within double/half', () => {
    for (let current = 1; current <= 12; current++) {
      for (let target = Math.ceil(current / 2); target <= current * 2; target++) {
        const open = stream(current);
        const plan = planUniform(open, target, current);
        const after = apply(open, plan, current);
        expect(after.map((s) => s.range), `${current} -> ${target}`).toEqual(splitHashKeySpace(target));
        if (target === current) expect(plan.shards).toHaveLength(0);
      }
    }
  });

  it('UNIFORM_SCALING from an uneven layout (after splits) also ends even', () => {
    const open = stream(2);
    const s1 = open[1] as Shard;
    const split = planSplit(s1, s1.range.start + 12345n, 2);
    const layout = apply(open, split, 2);
    for (const target of [2, 3, 4, 5, 6]) {
      const plan = planUniform(layout, target, 4);
      expect(apply(layout, plan, 4).map((s) => s.range)).toEqual(splitHashKeySpace(target));
    }
  });

  it('2 -> 4 closes both shards and makes four (as observed on AWS: 6 shards in all)', () => {
    const plan = planUniform(stream(2), 4, 2);
    expect(plan.closes).toHaveLength(2);
    expect(plan.shards.filter((p) => !p.transient)).toHaveLength(4);
  });
});
