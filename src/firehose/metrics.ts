import type { DeliveryStream } from './model.js';

/**
 * A delivery stream's counters, with CloudWatch's names (AWS/Firehose: IncomingBytes,
 * IncomingRecords, IncomingPutRequests, ThrottledRecords, DeliveryToS3.Records/Bytes/Success),
 * counted once per call and once per object on the main thread. DeliveryToS3.DataFreshness is a
 * gauge read from the delivery itself (Firehose.observe).
 */
export const FH = {
  INCOMING_BYTES: 0,
  INCOMING_RECORDS: 1,
  /** PutRecord and PutRecordBatch calls that stored records (CloudWatch's IncomingPutRequests). */
  INCOMING_PUT_REQUESTS: 2,
  /** Records refused by the delivery stream's quotas (ThrottledRecords). */
  THROTTLED_RECORDS: 3,
  /** Records, and bytes of the objects before compression (the records, with newlines when Firehose adds them), that the destination stored. */
  DELIVERY_RECORDS: 4,
  DELIVERY_BYTES: 5,
  /** Puts into the destination that stored an object, and every put (each retry counts): DeliveryToS3.Success is their ratio. */
  DELIVERY_SUCCESS: 6,
  DELIVERY_ATTEMPTS: 7,
  /** When the last object was stored (engine ms; 0: none yet). */
  LAST_DELIVERY_MS: 8,
  /** Lambda transform invocations, those whose answer was taken, and their total duration (ExecuteProcessing.Success is the ratio, .Duration the mean). */
  EXECUTE_INVOCATIONS: 9,
  EXECUTE_SUCCESS: 10,
  EXECUTE_DURATION_MS: 11,
  /** Records the transform returned Ok, and their bytes as they came in (SucceedProcessing.Records/Bytes; Dropped ones are not counted, as AWS counts them). */
  SUCCEED_RECORDS: 12,
  SUCCEED_BYTES: 13,
} as const;
const WORDS = 14;

export class FirehoseMetrics {
  private readonly streams = new WeakMap<DeliveryStream, Float64Array>();

  /** false (--no-metrics): nothing is counted. */
  constructor(readonly enabled = true) {}

  /** The delivery stream's counters (zero at first; gone with it). */
  of(d: DeliveryStream): Float64Array {
    let words = this.streams.get(d);
    if (words === undefined) this.streams.set(d, (words = new Float64Array(WORDS)));
    return words;
  }

  incoming(d: DeliveryStream, records: number, bytes: number, throttled: number): void {
    if (!this.enabled) return;
    const w = this.of(d);
    if (records > 0) w[FH.INCOMING_PUT_REQUESTS]! += 1;
    w[FH.INCOMING_RECORDS]! += records;
    w[FH.INCOMING_BYTES]! += bytes;
    w[FH.THROTTLED_RECORDS]! += throttled;
  }

  /** One put into the destination (each retry of an object is one). */
  attempted(d: DeliveryStream, stored: boolean): void {
    if (!this.enabled) return;
    const w = this.of(d);
    w[FH.DELIVERY_ATTEMPTS]! += 1;
    if (stored) w[FH.DELIVERY_SUCCESS]! += 1;
  }

  /** One transform invocation: how long it ran, and whether its answer was taken. */
  executed(d: DeliveryStream, durationMs: number, ok: boolean): void {
    if (!this.enabled) return;
    const w = this.of(d);
    w[FH.EXECUTE_INVOCATIONS]! += 1;
    if (ok) w[FH.EXECUTE_SUCCESS]! += 1;
    w[FH.EXECUTE_DURATION_MS]! += durationMs;
  }

  succeededProcessing(d: DeliveryStream, records: number, bytes: number): void {
    if (!this.enabled) return;
    const w = this.of(d);
    w[FH.SUCCEED_RECORDS]! += records;
    w[FH.SUCCEED_BYTES]! += bytes;
  }

  /** An object stored (its records and bytes count as delivered), or given up on (they do not). */
  delivered(d: DeliveryStream, records: number, bytes: number, stored: boolean, nowMs: number): void {
    if (!this.enabled || !stored) return;
    const w = this.of(d);
    w[FH.DELIVERY_RECORDS]! += records;
    w[FH.DELIVERY_BYTES]! += bytes;
    if (records > 0) w[FH.LAST_DELIVERY_MS] = nowMs;
  }
}
