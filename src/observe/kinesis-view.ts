import type { Engine } from '../engine/engine.js';
import { isOpen } from '../engine/lineage.js';
import { CONSUMER_STATUS, type Consumer, type Shard, type Stream } from '../engine/model.js';
import { FanoutHub } from '../fanout/hub.js';
import { PUSHED } from '../engine/op-metrics.js';
import { SHARD, type MetricsReader } from '../shard/shard-metrics.js';
import { CounterFold } from './counter-fold.js';

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
  SHARD.READ_THROTTLED,
] as const;
/** ShardView.counters[C.X]: where SHARD.X sits among SHARD_COUNTERS. */
export const C = {
  INCOMING_BYTES: 0,
  INCOMING_RECORDS: 1,
  WRITE_THROTTLED: 2,
  GET_BYTES: 3,
  GET_RECORDS: 4,
  READ_THROTTLED: 5,
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

/** A gauge of the shard's live slot (0 without one, or once the slot went to another shard). */
function gauge(table: MetricsReader | undefined, base: number | undefined, gid: number, field: number): number {
  if (table === undefined || base === undefined) return 0;
  const value = table.read(base, field);
  return table.holds(base, gid) ? value : 0;
}

export class KinesisView {
  private readonly fold = new CounterFold(SHARD_COUNTERS);

  constructor(private readonly engine: Engine) {}

  streams(): StreamView[] {
    const engine = this.engine;
    const owners: Array<{ reader: MetricsReader; slots: Map<number, number>; tables: readonly MetricsReader[] }> = [];
    for (let i = 0; i < engine.owners; i++) {
      const stats = engine.ownerStats(i);
      owners.push({ reader: stats.metrics, slots: stats.metrics.slots(), tables: [stats.metrics, ...stats.previous] });
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
        const counters = owner === undefined ? new Float64Array(SHARD_COUNTERS.length) : this.fold.fold(stream, shard.gid, owner.tables, base, shard.retired === true);
        for (let i = 0; i < counters.length; i++) totals[i]! += counters[i]!;
        if (shard.retired === true) continue;
        const pushed = engine.ops.pushedFrom(shard);
        shards.push({
          shard,
          open: isOpen(shard),
          counters,
          iteratorAgeMs: gauge(owner?.reader, base, shard.gid, SHARD.GET_BEHIND_MS),
          lastArrivalMs: gauge(owner?.reader, base, shard.gid, SHARD.LAST_ARRIVAL_MS),
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
