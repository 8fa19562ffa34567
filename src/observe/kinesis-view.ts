import type { Engine } from '../engine/engine.js';
import { isOpen } from '../engine/lineage.js';
import { CONSUMER_STATUS, type Consumer, type Shard, type Stream } from '../engine/model.js';
import { FanoutHub } from '../fanout/hub.js';
import { PUSHED } from '../engine/op-metrics.js';
import { SHARD, type MetricsReader } from '../shard/shard-metrics.js';

/**
 * The streams as metrics and the dashboard see them, read in one pass: each shard's counters from
 * its owner's table (shard/shard-metrics.ts), made monotonic here. An owner that is replaced
 * starts its counters at zero, and a shard whose log retention deleted leaves its owner's table;
 * neither takes back what was counted (CounterFold).
 */

/** The owner counters that only grow, in this order in ShardView.counters. */
export const SHARD_COUNTERS = [
  SHARD.INCOMING_BYTES,
  SHARD.INCOMING_RECORDS,
  SHARD.WRITE_THROTTLED,
  SHARD.GET_BYTES,
  SHARD.GET_RECORDS,
  SHARD.GET_CALLS,
  SHARD.READ_THROTTLED,
] as const;
/** ShardView.counters[C.X]: where SHARD.X sits among SHARD_COUNTERS. */
export const C = {
  INCOMING_BYTES: 0,
  INCOMING_RECORDS: 1,
  WRITE_THROTTLED: 2,
  GET_BYTES: 3,
  GET_RECORDS: 4,
  GET_CALLS: 5,
  READ_THROTTLED: 6,
} as const;

export interface ShardView {
  shard: Shard;
  open: boolean;
  /** SHARD_COUNTERS, monotonic. */
  counters: Float64Array;
  /** The last GetRecords answer's distance from the tip (IteratorAgeMilliseconds), ms. */
  iteratorAgeMs: number;
  /** When its last record arrived (engine ms; 0: none since its owner took it). */
  lastArrivalMs: number;
  /** Records and data bytes fan-out sent from it, to every consumer (engine/op-metrics.ts PUSHED). */
  pushedRecords: number;
  pushedBytes: number;
}

export interface SessionView {
  shardId: string;
  millisBehindLatest: number;
}

export interface ConsumerView {
  consumer: Consumer;
  /** op-metrics.ts EVENT words. */
  counters: Float64Array;
  /** Its open subscriptions, one per shard. */
  sessions: SessionView[];
}

export interface StreamView {
  stream: Stream;
  /** Every shard, closed ones too, but not those whose logs retention deleted. */
  shards: ShardView[];
  /** SHARD_COUNTERS summed over every shard the stream has had. */
  totals: Float64Array;
  /** op-metrics.ts OP words. */
  ops: Float64Array;
  consumers: ConsumerView[];
}

/**
 * Keeps each shard's counters monotonic across owner replacements and retirement. It remembers
 * where it last read a shard (which owner's table, which slot): when the shard has left that slot
 * (retired, or its owner died and a replacement reopened it elsewhere), the slot's final counts are
 * read first (a released slot keeps them until it is reused; a dead owner's table stays readable),
 * then carried, and the new slot's counts add to them.
 */
class CounterFold {
  private readonly seen = new WeakMap<Stream, Map<number, { table: MetricsReader | null; base: number; values: Float64Array }>>();

  /**
   * `table` and `base`: where the shard is counted now; null and -1 when no table has it.
   * `earlier`: where a dead owner counted it, for a shard not seen before (no read came between
   * its first records and its owner's death).
   */
  fold(stream: Stream, gid: number, table: MetricsReader | null, base: number, earlier: () => { table: MetricsReader; base: number } | null): Float64Array {
    let byGid = this.seen.get(stream);
    if (byGid === undefined) this.seen.set(stream, (byGid = new Map()));
    const n = SHARD_COUNTERS.length;
    let state = byGid.get(gid);
    if (state === undefined) {
      const before = earlier();
      byGid.set(gid, (state = { table: before?.table ?? null, base: before?.base ?? -1, values: new Float64Array(2 * n) }));
    }
    const v = state.values; // [0, n): the current slot's counts; [n, 2n): what earlier slots counted
    if (state.table !== null && (table !== state.table || base !== state.base)) {
      if (state.table.holds(state.base, gid)) for (let i = 0; i < n; i++) v[i] = Math.max(v[i]!, state.table.read(state.base, SHARD_COUNTERS[i]!));
      if (table !== null) {
        for (let i = 0; i < n; i++) {
          v[n + i]! += v[i]!;
          v[i] = 0;
        }
      }
    }
    if (table !== null) {
      state.table = table;
      state.base = base;
      for (let i = 0; i < n; i++) v[i] = table.read(base, SHARD_COUNTERS[i]!);
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = v[n + i]! + v[i]!;
    return out;
  }
}

/** The newest dead owner's table that still holds `gid`'s counts (rare: only for a shard never read before). */
function earlierSlot(previous: readonly MetricsReader[], gid: number): { table: MetricsReader; base: number } | null {
  for (const table of previous) {
    const base = table.slotOf(gid);
    if (base !== -1) return { table, base };
  }
  return null;
}

export class KinesisView {
  private readonly fold = new CounterFold();

  constructor(private readonly engine: Engine) {}

  streams(): StreamView[] {
    const engine = this.engine;
    const owners: Array<{ reader: MetricsReader; slots: Map<number, number>; previous: readonly MetricsReader[] }> = [];
    for (let i = 0; i < engine.owners; i++) {
      const stats = engine.ownerStats(i);
      owners.push({ reader: stats.metrics, slots: stats.metrics.slots(), previous: stats.previous });
    }
    const sessions = new Map<Consumer, SessionView[]>();
    for (const sub of FanoutHub.for(engine).subscriptions()) {
      let list = sessions.get(sub.consumer);
      if (list === undefined) sessions.set(sub.consumer, (list = []));
      list.push({ shardId: sub.shard.shardId, millisBehindLatest: sub.millisBehindLatest });
    }
    return engine.streams.list().map((stream) => {
      const totals = new Float64Array(SHARD_COUNTERS.length);
      const shards: ShardView[] = [];
      for (const shard of stream.shards) {
        const owner = owners[shard.owner];
        const base = owner?.slots.get(shard.gid);
        const earlier = () => earlierSlot(owner?.previous ?? [], shard.gid);
        const counters = base === undefined ? this.fold.fold(stream, shard.gid, null, -1, earlier) : this.fold.fold(stream, shard.gid, owner!.reader, base, earlier);
        for (let i = 0; i < counters.length; i++) totals[i]! += counters[i]!;
        if (shard.retired === true) continue;
        const pushed = engine.ops.pushedFrom(shard);
        shards.push({
          shard,
          open: isOpen(shard),
          counters,
          iteratorAgeMs: base === undefined ? 0 : owner!.reader.read(base, SHARD.GET_BEHIND_MS),
          lastArrivalMs: base === undefined ? 0 : owner!.reader.read(base, SHARD.LAST_ARRIVAL_MS),
          pushedRecords: pushed[PUSHED.RECORDS]!,
          pushedBytes: pushed[PUSHED.BYTES]!,
        });
      }
      const consumers = [...stream.consumers.values()]
        .filter((c) => c.status !== CONSUMER_STATUS.DELETING)
        .map((consumer) => ({ consumer, counters: engine.ops.ofConsumer(consumer), sessions: sessions.get(consumer) ?? [] }));
      return { stream, shards, totals, ops: engine.ops.of(stream), consumers };
    });
  }
}
