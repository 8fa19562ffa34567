import type { Consumer, Shard, Stream } from './model.js';

/**
 * Stream-level metrics of the Kinesis operations, with CloudWatch's names (PutRecords.Bytes,
 * GetRecords.Latency, SubscribeToShardEvent.MillisBehindLatest...): counted on the main thread once
 * per call (never per record), where the call is answered. The per-shard counters (IncomingBytes,
 * OutgoingRecords, and the throughput exceeded counts, summed for the stream-level ones) are the
 * shard owners' (shard/shard-metrics.ts).
 */

/** Upper bounds (seconds) of the latency histograms' buckets; the last bucket is +Inf. */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;
const HISTOGRAM_WORDS = LATENCY_BUCKETS_S.length + 2; // buckets, +Inf, sum

/** Word indexes of a stream's counters. */
export const OP = {
  PUT_RECORD_SUCCESS: 0,
  PUT_RECORD_BYTES: 1,
  PUT_RECORDS_SUCCESS: 2,
  PUT_RECORDS_BYTES: 3,
  PUT_RECORDS_TOTAL_RECORDS: 4,
  PUT_RECORDS_SUCCESSFUL_RECORDS: 5,
  PUT_RECORDS_FAILED_RECORDS: 6,
  PUT_RECORDS_THROTTLED_RECORDS: 7,
  GET_RECORDS_SUCCESS: 8,
  GET_RECORDS_BYTES: 9,
  GET_RECORDS_RECORDS: 10,
  /** Three latency histograms follow: PutRecord, PutRecords, GetRecords. (GetRecords.IteratorAgeMilliseconds is the owners': the largest of the shards' last.) */
  LATENCY: 11,
} as const;
export const LATENCY_OPS = ['PutRecord', 'PutRecords', 'GetRecords'] as const;
export type LatencyOp = (typeof LATENCY_OPS)[number];
const STREAM_WORDS = OP.LATENCY + LATENCY_OPS.length * HISTOGRAM_WORDS;

/** A consumer's SubscribeToShardEvent counters (CloudWatch's dimensions: StreamName, ConsumerName). */
export const EVENT = {
  SUCCESS: 0,
  BYTES: 1,
  RECORDS: 2,
  MILLIS_BEHIND_LATEST: 3,
  /** Subscriptions started (SubscribeToShard and WebSocket push), and refused within 5 s of the last (SubscribeToShard.RateExceeded). */
  SUBSCRIBE_SUCCESS: 4,
  SUBSCRIBE_RATE_EXCEEDED: 5,
} as const;
const CONSUMER_WORDS = 6;

/** A histogram's counts per bucket (not cumulative: LATENCY_BUCKETS_S, then +Inf) and the sum of its values. */
export interface Histogram {
  buckets: number[];
  sum: number;
}

/** A shard's enhanced fan-out deliveries: every event sent to every consumer (its OutgoingRecords/Bytes part). */
export const PUSHED = { RECORDS: 0, BYTES: 1 } as const;

export class OpMetrics {
  private readonly streams = new WeakMap<Stream, Float64Array>();
  private readonly consumers = new WeakMap<Consumer, Float64Array>();
  private readonly pushed = new WeakMap<Shard, Float64Array>();

  /** false (--no-metrics): nothing is counted; every stream's words stay zero. */
  constructor(readonly enabled = true) {}

  /** The stream's counters (zero until its first call; gone with it). */
  of(stream: Stream): Float64Array {
    let words = this.streams.get(stream);
    if (words === undefined) this.streams.set(stream, (words = new Float64Array(STREAM_WORDS)));
    return words;
  }

  ofConsumer(consumer: Consumer): Float64Array {
    let words = this.consumers.get(consumer);
    if (words === undefined) this.consumers.set(consumer, (words = new Float64Array(CONSUMER_WORDS)));
    return words;
  }

  /** Counted before it answers, success or not (its _count is the calls made). */
  latency(stream: Stream, op: LatencyOp, seconds: number): void {
    if (!this.enabled) return;
    const words = this.of(stream);
    const base = OP.LATENCY + LATENCY_OPS.indexOf(op) * HISTOGRAM_WORDS;
    let b = 0;
    while (b < LATENCY_BUCKETS_S.length && seconds > LATENCY_BUCKETS_S[b]!) b++;
    words[base + b]! += 1;
    words[base + HISTOGRAM_WORDS - 1]! += seconds;
  }

  histogram(words: Float64Array, op: LatencyOp): Histogram {
    const base = OP.LATENCY + LATENCY_OPS.indexOf(op) * HISTOGRAM_WORDS;
    return { buckets: Array.from(words.subarray(base, base + HISTOGRAM_WORDS - 1)), sum: words[base + HISTOGRAM_WORDS - 1]! };
  }

  /** A PutRecords call's outcome: each record stored, throttled, or failed otherwise. */
  putRecords(stream: Stream, stored: number, storedBytes: number, throttled: number, failed: number): void {
    if (!this.enabled) return;
    const w = this.of(stream);
    // AWS: "the number of PutRecords operations where at least one record succeeded".
    if (stored > 0) w[OP.PUT_RECORDS_SUCCESS]! += 1;
    w[OP.PUT_RECORDS_BYTES]! += storedBytes;
    w[OP.PUT_RECORDS_TOTAL_RECORDS]! += stored + failed;
    w[OP.PUT_RECORDS_SUCCESSFUL_RECORDS]! += stored;
    w[OP.PUT_RECORDS_FAILED_RECORDS]! += failed - throttled;
    w[OP.PUT_RECORDS_THROTTLED_RECORDS]! += throttled;
  }

  putRecord(stream: Stream, bytes: number): void {
    if (!this.enabled) return;
    const w = this.of(stream);
    w[OP.PUT_RECORD_SUCCESS]! += 1;
    w[OP.PUT_RECORD_BYTES]! += bytes;
  }

  getRecords(stream: Stream, records: number, bytes: number): void {
    if (!this.enabled) return;
    const w = this.of(stream);
    w[OP.GET_RECORDS_SUCCESS]! += 1;
    w[OP.GET_RECORDS_RECORDS]! += records;
    w[OP.GET_RECORDS_BYTES]! += bytes;
  }

  subscribed(consumer: Consumer): void {
    if (!this.enabled) return;
    this.ofConsumer(consumer)[EVENT.SUBSCRIBE_SUCCESS]! += 1;
  }

  subscribeRefused(consumer: Consumer): void {
    if (!this.enabled) return;
    this.ofConsumer(consumer)[EVENT.SUBSCRIBE_RATE_EXCEEDED]! += 1;
  }

  /** What fan-out sent from the shard (zeros if nothing yet). */
  pushedFrom(shard: Shard): Float64Array {
    let words = this.pushed.get(shard);
    if (words === undefined) this.pushed.set(shard, (words = new Float64Array(2)));
    return words;
  }

  /**
   * One SubscribeToShardEvent sent to the consumer from `shard` (`bytes`: data only). Counted per
   * event sent, not per read: one owner read at the tip feeds every subscription of the shard.
   */
  event(consumer: Consumer, shard: Shard, records: number, bytes: number, millisBehindLatest: number): void {
    if (!this.enabled) return;
    const p = this.pushedFrom(shard);
    p[PUSHED.RECORDS]! += records;
    p[PUSHED.BYTES]! += bytes;
    const w = this.ofConsumer(consumer);
    w[EVENT.SUCCESS]! += 1;
    w[EVENT.RECORDS]! += records;
    w[EVENT.BYTES]! += bytes;
    w[EVENT.MILLIS_BEHIND_LATEST] = millisBehindLatest;
  }
}
