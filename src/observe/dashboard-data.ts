import { getHeapStatistics } from 'node:v8';
import type { Snapshot } from './families.js';
import { C } from './kinesis-view.js';
import { FH } from '../firehose/metrics.js';
import { EVENT } from '../engine/op-metrics.js';

/**
 * What the dashboard's WebSocket sends each second: one snapshot as plain JSON. Counters are
 * totals; the page turns two of them into a rate, so a missed message loses no count.
 */
export interface DashboardFrame {
  nowMs: number;
  process: { rssBytes: number; heapUsedBytes: number; uptimeSeconds: number };
  owners: Array<{ index: number; up: boolean; holding: boolean; requestRingFill: number; replyRingFill: number; commits: number; syncs: number; syncSeconds: number }>;
  streams: StreamFrame[];
  deliveryStreams: DeliveryFrame[];
}

export interface ShardFrame {
  shardId: string;
  open: boolean;
  owner: number;
  startingHashKey: string;
  endingHashKey: string;
  parentShardId: string | null;
  adjacentParentShardId: string | null;
  incomingRecords: number;
  incomingBytes: number;
  outgoingRecords: number;
  outgoingBytes: number;
  writeThrottled: number;
  readThrottled: number;
  iteratorAgeMs: number;
}

export interface StreamFrame {
  name: string;
  status: string;
  mode: string;
  retentionHours: number;
  shardLevelMetrics: string[];
  incomingRecords: number;
  incomingBytes: number;
  writeThrottled: number;
  readThrottled: number;
  getRecordsIteratorAgeMs: number;
  shards: ShardFrame[];
  consumers: Array<{ name: string; status: string; events: number; records: number; sessions: Array<{ shardId: string; millisBehindLatest: number }> }>;
}

export interface DeliveryFrame {
  name: string;
  status: string;
  type: string;
  incomingRecords: number;
  incomingBytes: number;
  deliveredRecords: number;
  deliveredBytes: number;
  objects: number;
  /** Puts into the destination that failed (each retry counts). */
  failedPuts: number;
  bufferedBytes: number;
  bufferedRecords: number;
  bufferBytes: number;
  intervalSeconds: number;
  lastDeliveryMs: number;
  dataFreshnessSeconds: number;
  /** Dynamic partitioning's active partitions (0 without it). */
  activePartitions: number;
  /** The Lambda transform (all 0 without one): invocations, those whose answer was taken, their mean duration, records it returned Ok. */
  transform: { invocations: number; succeeded: number; meanMs: number; okRecords: number };
}

/**
 * RSS and heap without a descriptor: process.memoryUsage() reads /proc and throws EMFILE when the
 * process has none left, which is exactly when someone looks at the dashboard.
 */
function memory(): { rss: number; heapUsed: number } {
  let rss = 0;
  try {
    rss = process.memoryUsage.rss();
  } catch {
    // no descriptor to read it with: 0 until there is
  }
  return { rss, heapUsed: getHeapStatistics().used_heap_size };
}

export function dashboardFrame(s: Snapshot, uptimeSeconds: number): DashboardFrame {
  const mem = memory();
  return {
    nowMs: s.nowMs,
    process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, uptimeSeconds },
    owners: s.owners.map((o) => ({
      index: o.index,
      up: o.up,
      holding: o.holding,
      requestRingFill: o.requestRingBytes / o.requestRingCapacity,
      replyRingFill: o.replyRingBytes / o.replyRingCapacity,
      commits: o.commits,
      syncs: o.syncs,
      syncSeconds: o.syncSeconds,
    })),
    streams: s.streams.map((v) => ({
      name: v.stream.name,
      status: v.stream.status,
      mode: v.stream.mode,
      retentionHours: v.stream.retentionHours,
      shardLevelMetrics: [...v.stream.settings.shardLevelMetrics],
      incomingRecords: v.totals[C.INCOMING_RECORDS]!,
      incomingBytes: v.totals[C.INCOMING_BYTES]!,
      writeThrottled: v.totals[C.WRITE_THROTTLED]!,
      readThrottled: v.totals[C.READ_THROTTLED]!,
      getRecordsIteratorAgeMs: Math.max(0, ...v.shards.map((sh) => sh.iteratorAgeMs)),
      shards: v.shards.map((sh) => ({
        shardId: sh.shard.shardId,
        open: sh.open,
        owner: sh.shard.owner,
        startingHashKey: sh.shard.range.start.toString(),
        endingHashKey: sh.shard.range.end.toString(),
        parentShardId: sh.shard.parentShardId ?? null,
        adjacentParentShardId: sh.shard.adjacentParentShardId ?? null,
        incomingRecords: sh.counters[C.INCOMING_RECORDS]!,
        incomingBytes: sh.counters[C.INCOMING_BYTES]!,
        outgoingRecords: sh.counters[C.GET_RECORDS]! + sh.pushedRecords,
        outgoingBytes: sh.counters[C.GET_BYTES]! + sh.pushedBytes,
        writeThrottled: sh.counters[C.WRITE_THROTTLED]!,
        readThrottled: sh.counters[C.READ_THROTTLED]!,
        iteratorAgeMs: sh.iteratorAgeMs,
      })),
      consumers: v.consumers.map((c) => ({
        name: c.consumer.name,
        status: c.consumer.status,
        events: c.counters[EVENT.SUCCESS]!,
        records: c.counters[EVENT.RECORDS]!,
        sessions: c.sessions,
      })),
    })),
    deliveryStreams: s.deliveryStreams.map((d) => ({
      name: d.stream.name,
      status: d.stream.status,
      type: d.stream.type,
      incomingRecords: d.counters[FH.INCOMING_RECORDS]!,
      incomingBytes: d.counters[FH.INCOMING_BYTES]!,
      deliveredRecords: d.counters[FH.DELIVERY_RECORDS]!,
      deliveredBytes: d.counters[FH.DELIVERY_BYTES]!,
      objects: d.counters[FH.DELIVERY_SUCCESS]!,
      failedPuts: d.counters[FH.DELIVERY_ATTEMPTS]! - d.counters[FH.DELIVERY_SUCCESS]!,
      bufferedBytes: d.bufferedBytes,
      bufferedRecords: d.bufferedRecords,
      bufferBytes: d.bufferBytes,
      intervalSeconds: d.intervalMs / 1000,
      lastDeliveryMs: d.counters[FH.LAST_DELIVERY_MS]!,
      dataFreshnessSeconds: d.oldestPendingMs === Infinity ? 0 : Math.max(0, s.nowMs - d.oldestPendingMs) / 1000,
      activePartitions: d.activePartitions,
      transform: {
        invocations: d.counters[FH.EXECUTE_INVOCATIONS]!,
        succeeded: d.counters[FH.EXECUTE_SUCCESS]!,
        meanMs: d.counters[FH.EXECUTE_INVOCATIONS]! > 0 ? d.counters[FH.EXECUTE_DURATION_MS]! / d.counters[FH.EXECUTE_INVOCATIONS]! : 0,
        okRecords: d.counters[FH.SUCCEED_RECORDS]!,
      },
    })),
  };
}
