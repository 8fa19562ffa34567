import type { Delivery } from './delivery/delivery.js';
import type { FirehoseMetrics } from './metrics.js';
import type { DeliveryStream } from './model.js';

/** One delivery stream as Firehose.observe() shows it (metrics, the dashboard). */
export interface DeliveryStreamView {
  stream: DeliveryStream;
  /** metrics.ts FH words. */
  counters: Float64Array;
  /** What the buffer holds now (with dynamic partitioning: all partitions'), and its size (SizeInMBs) and interval. */
  bufferedBytes: number;
  bufferedRecords: number;
  bufferBytes: number;
  intervalMs: number;
  /** Arrival of the oldest record not delivered yet (Infinity: none). */
  oldestPendingMs: number;
  /** Dynamic partitioning's active partitions (0 without it). */
  activePartitions: number;
}

/** Each delivery stream's counters and what its delivery holds now. */
export function observeDeliveries(streams: Iterable<DeliveryStream>, deliveries: ReadonlyMap<DeliveryStream, Delivery>, metrics: FirehoseMetrics): DeliveryStreamView[] {
  return [...streams].map((d) => {
    const delivery = deliveries.get(d);
    const hints = d.http?.BufferingHints ?? d.destination.BufferingHints;
    const partitions = delivery?.partitionBuffers ?? null;
    return {
      stream: d,
      counters: metrics.of(d),
      bufferedBytes: partitions?.bytes ?? delivery?.batch.bytes ?? 0,
      bufferedRecords: partitions?.records ?? delivery?.batch.count ?? 0,
      activePartitions: partitions?.partitions ?? 0,
      bufferBytes: delivery?.bufferBytes ?? hints.SizeInMBs * 1024 * 1024,
      intervalMs: delivery?.intervalMs ?? hints.IntervalInSeconds * 1000,
      oldestPendingMs: delivery?.oldestPendingMs ?? Infinity,
    };
  });
}
