import { AwsError } from '../aws/errors.js';
import type { InternalLogs } from '../engine/internal-logs.js';
import { FIREHOSE_BATCH_BYTES_MAX } from '../limits.js';
import { STATUS } from '../shard/messages.js';
import { TokenBucket } from '../shard/token-bucket.js';
import type { FirehoseMetrics } from './metrics.js';
import type { DeliveryStream } from './model.js';

/** One record's answer, as PutRecordBatch's RequestResponses entry carries it. */
export type PutRecordResult = { RecordId: string } | { ErrorCode: 'ServiceUnavailableException' | 'InternalFailure'; ErrorMessage: string };

export interface IngestQuotas {
  throttle: boolean;
  recordsPerSec: number;
  callsPerSec: number;
  bytesPerSec: number;
}

/** AWS's words when a delivery stream is over its quota, per record and for a whole call. */
const SLOW_DOWN = 'Slow down.';
const THROTTLED: PutRecordResult = { ErrorCode: 'ServiceUnavailableException', ErrorMessage: SLOW_DOWN };
const INTERNAL: PutRecordResult = { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };

/**
 * A record's id: opaque base64, as AWS's are (long base64 strings), here of the delivery stream's
 * creation time and the record's counter in its log, so ids never repeat, even across re-creations.
 */
function recordId(createdMs: number, counter: number): string {
  const b = Buffer.alloc(18);
  b[0] = 1; // layout version
  b.writeDoubleBE(createdMs, 2);
  b.writeDoubleBE(counter, 10);
  return b.toString('base64');
}

class StreamQuotas {
  readonly records: TokenBucket;
  readonly calls: TokenBucket;
  readonly bytes: TokenBucket;

  constructor(q: IngestQuotas, nowMs: number) {
    this.records = new TokenBucket(q.recordsPerSec, nowMs);
    this.calls = new TokenBucket(q.callsPerSec, nowMs);
    this.bytes = new TokenBucket(q.bytesPerSec, nowMs);
  }
}

/**
 * PutRecord and PutRecordBatch into a DirectPut delivery stream: the delivery stream's quotas
 * (records, calls and bytes per second, AWS's defaults 5,000 / 2,000 / 5 MiB, all-or-nothing per
 * record; a batch's records past the quota answer ServiceUnavailableException "Slow down.", as AWS
 * answers), then one append to its internal log. A record is acknowledged only once the log has
 * stored it (durably, for a durable engine).
 */
export class Ingest {
  private readonly quotas = new WeakMap<DeliveryStream, StreamQuotas>();

  constructor(
    private readonly logs: InternalLogs,
    private readonly limits: IngestQuotas,
    private readonly now: () => number,
    private readonly metrics: FirehoseMetrics,
  ) {}

  private quotasOf(d: DeliveryStream, nowMs: number): StreamQuotas {
    let q = this.quotas.get(d);
    if (q === undefined) this.quotas.set(d, (q = new StreamQuotas(this.limits, nowMs)));
    return q;
  }

  /** `single`: PutRecord, which answers a throttled record with the whole call's error. */
  async put(d: DeliveryStream, records: readonly Buffer[], single: boolean): Promise<PutRecordResult[]> {
    let total = 0;
    for (const r of records) total += r.length;
    // "Records size exceeds 4 MB limit", as Firehose words it (seen by osquery's Firehose logger).
    if (total > FIREHOSE_BATCH_BYTES_MAX) throw new AwsError('InvalidArgumentException', 'Records size exceeds 4 MB limit');
    const log = d.log;
    if (log === undefined) throw new Error(`delivery stream ${d.name} has no log`);

    const admitted: boolean[] = new Array(records.length).fill(true);
    if (this.limits.throttle) {
      const nowMs = this.now();
      const q = this.quotasOf(d, nowMs);
      if (!q.calls.take(1, nowMs)) {
        this.metrics.incoming(d, 0, 0, records.length);
        throw new AwsError('ServiceUnavailableException', SLOW_DOWN);
      }
      records.forEach((r, i) => {
        if (q.records.peek(nowMs) < 1 || q.bytes.peek(nowMs) < r.length) admitted[i] = false;
        else {
          q.records.charge(1, nowMs);
          q.bytes.charge(r.length, nowMs);
        }
      });
      if (single && admitted[0] === false) {
        this.metrics.incoming(d, 0, 0, 1);
        throw new AwsError('ServiceUnavailableException', SLOW_DOWN);
      }
    }
    const toStore = records.filter((_, i) => admitted[i]);
    const results: PutRecordResult[] = new Array(records.length);
    if (toStore.length === 0) {
      this.metrics.incoming(d, 0, 0, records.length);
      return results.fill(THROTTLED);
    }
    let acks;
    try {
      acks = await this.logs.append(log, toStore);
    } catch (err) {
      // The owner could not take the message (overloaded, or shutting down): nothing was stored.
      throw new AwsError('ServiceUnavailableException', SLOW_DOWN, { cause: err });
    }
    let next = 0;
    let stored = 0;
    let storedBytes = 0;
    let throttled = 0;
    for (let i = 0; i < records.length; i++) {
      if (admitted[i] !== true) {
        results[i] = THROTTLED;
        throttled++;
        continue;
      }
      const ack = acks[next++];
      if (ack !== undefined && ack.status === STATUS.OK) {
        results[i] = { RecordId: recordId(d.createdMs, ack.seq) };
        stored++;
        storedBytes += records[i]!.length;
      }
      // The log is unmetered; should an owner still refuse a record as over a limit, it is Firehose's "Slow down.".
      else if (ack?.status === STATUS.THROTTLED) {
        results[i] = THROTTLED;
        throttled++;
      } else results[i] = INTERNAL;
    }
    this.metrics.incoming(d, stored, storedBytes, throttled);
    return results;
  }

  /** A delivery stream went away: its quotas go with it. */
  forget(d: DeliveryStream): void {
    this.quotas.delete(d);
  }
}
