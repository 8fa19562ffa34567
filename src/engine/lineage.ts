/**
 * Shards' lineage as plain functions over the model: the routing table of a stream's open shards,
 * a shard's parents and children, and whether a reader has reached a closed shard's end. Readers
 * that follow lineage read a parent to its end, then its children (a merge's child once both its
 * parents are done), so each partition key's records come in order across any reshard.
 */
import { hashKeyBytes } from './hash-key.js';
import type { Routing, Shard, Stream } from './model.js';

/** The routing table of `open` (the open shards: their hash ranges partition the key space). */
export function routingFor(open: readonly Shard[]): Routing {
  const shards = [...open].sort((a, b) => (a.range.start < b.range.start ? -1 : a.range.start > b.range.start ? 1 : 0));
  // Invariant: the open shards cover the key space exactly once, in order.
  for (let i = 1; i < shards.length; i++) {
    const prev = shards[i - 1] as Shard;
    const cur = shards[i] as Shard;
    if (cur.range.start !== prev.range.end + 1n) throw new Error(`open shards ${prev.shardId} and ${cur.shardId} do not meet`);
  }
  return {
    shards,
    startsBytes: Buffer.concat(shards.map((s) => hashKeyBytes(s.range.start))),
    shardGids: Uint32Array.from(shards, (s) => s.gid),
    shardOwners: Uint32Array.from(shards, (s) => s.owner),
  };
}

export function isOpen(shard: Shard): boolean {
  return shard.closedMs === undefined;
}

/** The shards a reshard made from `shard` (none while it is open), in index order. */
export function childrenOf(stream: Stream, shard: Shard): Shard[] {
  if (isOpen(shard)) return [];
  return stream.shards.filter((s) => s.parentShardId === shard.shardId || s.adjacentParentShardId === shard.shardId);
}

/** The shard ids of `shard`'s parents (none for the stream's first shards). */
export function parentIdsOf(shard: Shard): string[] {
  const ids: string[] = [];
  if (shard.parentShardId !== undefined) ids.push(shard.parentShardId);
  if (shard.adjacentParentShardId !== undefined) ids.push(shard.adjacentParentShardId);
  return ids;
}

/** A closed shard whose owner has answered CLOSE_SHARD, read up to `position`: nothing more will come. */
export function atShardEnd(shard: Shard, position: number): boolean {
  return shard.endCounter !== undefined && position >= shard.endCounter;
}

/** AWS's ChildShard shape: ShardId, ParentShards, HashKeyRange. */
export interface ChildShardOut {
  ShardId: string;
  ParentShards: string[];
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
}

export function childShardsOut(stream: Stream, shard: Shard): ChildShardOut[] {
  return childrenOf(stream, shard).map((c) => ({
    ShardId: c.shardId,
    ParentShards: parentIdsOf(c),
    HashKeyRange: { StartingHashKey: c.range.start.toString(), EndingHashKey: c.range.end.toString() },
  }));
}

/**
 * The children of `finished` that a lineage-following reader reads next: those whose parents are
 * all done (read to their ends, or never to be read: expired), not started yet.
 */
export function readyChildren(stream: Stream, finished: Shard, done: (shardId: string) => boolean, started: (shardId: string) => boolean): Shard[] {
  return childrenOf(stream, finished).filter((c) => !started(c.shardId) && parentIdsOf(c).every(done));
}

/** A closed shard whose records have all passed the stream's retention: AWS lists it no more. */
export function isExpired(stream: Stream, shard: Shard, nowMs: number): boolean {
  return shard.closedMs !== undefined && nowMs - shard.closedMs >= stream.retentionHours * 3_600_000;
}

/** Whether `shard` descends from a shard `pred` holds for (through any number of reshards). */
export function descendsFrom(stream: Stream, shard: Shard, pred: (shardId: string) => boolean): boolean {
  const seen = new Set<string>();
  const walk = (s: Shard): boolean =>
    parentIdsOf(s).some((id) => {
      if (seen.has(id)) return false;
      seen.add(id);
      if (pred(id)) return true;
      const parent = stream.shards.find((x) => x.shardId === id);
      return parent !== undefined && walk(parent);
    });
  return walk(shard);
}
