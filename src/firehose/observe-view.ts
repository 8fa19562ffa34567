import type { Delivery } from './delivery/delivery.js';
import type { FirehoseMetrics } from './metrics.js';
import type { DeliveryStream } from './model.js';

/** One delivery stream as Firehose.observe() shows it (metrics, the dashboard). */
export interface DeliveryStreamView {
  stream: DeliveryStream;
  /** metrics.ts FH words. */
  counters: Float64Array;
  /** What the buffer holds now, and its size (SizeInMBs) and interval. */
  bufferedBytes: number;
  bufferedRecords: number;
  bufferBytes: number;
  intervalMs: number;
  /** Arrival of the oldest record not delivered yet (Infinity: none). */
  oldestPendingMs: number;
}

/** Each delivery stream's counters and what its delivery holds now. */
export function observeDeliveries(streams: Iterable<DeliveryStream>, deliveries: ReadonlyMap<DeliveryStream, Delivery>, metrics: FirehoseMetrics): DeliveryStreamView[] {
  return [...streams].map((d) => {
    const delivery = deliveries.get(d);
    const hints = d.http?.BufferingHints ?? d.destination.BufferingHints;
    return {
      stream: d,
      counters: metrics.of(d),
      bufferedBytes: delivery?.batch.bytes ?? 0,
      bufferedRecords: delivery?.batch.count ?? 0,
      bufferBytes: delivery?.bufferBytes ?? hints.SizeInMBs * 1024 * 1024,
      intervalMs: delivery?.intervalMs ?? hints.IntervalInSeconds * 1000,
      oldestPendingMs: delivery?.oldestPendingMs ?? Infinity,
    };
  });
}
