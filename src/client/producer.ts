/**
 * A producer in the KPL's role: collects records into PutRecords-sized batches (by count, bytes
 * and linger time), keeps a bounded number of batches in flight, and retries records refused for
 * throughput (or other retryable errors) with exponential backoff and jitter.
 *
 * Ordering: with `ordered` (the default) at most one record per partition key is unacknowledged at
 * a time, so a key's records are stored in the order they were put, even across retries. That
 * costs nothing against AWS limits (one key maps to one shard, 1,000 records/s); turn it off for
 * throughput when order does not matter.
 *
 * Delivery is at least once, as with the KPL. Records refused for throughput were not stored, so
 * retrying them cannot duplicate. But a batch that fails in transit (connection lost, timeout,
 * 5xx) and a record refused with InternalFailure are retried too, and the server may have stored
 * them first: those can be stored twice, and a put that finally rejects may have been stored.
 * Consumers that must not see duplicates dedupe on their own ids.
 *
 * Every queue is bounded: `put` waits while `maxPendingRecords` records are unsettled.
 *
 * Authentication: with `credentials`, every request is signed with SigV4 (service 'kinesis',
 * `region`), as a server run with `--auth sigv4 --credentials FILE` requires: each PutRecords
 * request in its Authorization header, each WebSocket connection (and reconnect) with a freshly
 * presigned URL (client/sigv4-signer.ts). A refused signature is not retried: the put rejects with
 * a ProducerError naming AWS's code (InvalidSignatureException for a wrong secret or a stale
 * clock, UnrecognizedClientException for an unknown key). Without credentials the requests carry
 * a fixed placeholder signature, which a server without --auth takes.
 */
import { PARTITION_KEY_CHARS_MAX, PUT_RECORDS_MAX, RECORD_BYTES_LIMIT, RECORD_BYTES_MAX } from '../limits.js';
import { BatchError, type OutRecord, type RecordOutcome, type Transport } from './transport.js';
import { checkSigningOptions, type AwsCredentials, type SigningOptions } from './sigv4-signer.js';
import { HttpTransport } from './http-transport.js';
import { WsTransport } from './ws-transport.js';

export interface ProducerOptions {
  streamName: string;
  /** `http://host:4567` (PutRecords) or `ws://host:4568` (binary ingest), or a Transport. */
  endpoint: string | Transport;
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  lingerMs?: number;
  maxInFlight?: number;
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxPendingRecords?: number;
  ordered?: boolean;
  /** WebSocket endpoints only: 'lz4' sends each batch's records as one LZ4 block (frame flag bit 0). */
  compression?: 'none' | 'lz4';
  /**
   * The stream's maximum record size, data and key (default 1 MiB; up to 10 MiB for a stream whose
   * UpdateMaxRecordSize raised it). A larger record is refused at put(), before it is sent.
   */
  maxRecordBytes?: number;
  /**
   * Sign every request with SigV4 using these keys (for a server run with --auth sigv4). Only for
   * an `endpoint` URL: a Transport given as `endpoint` signs, or not, by itself.
   */
  credentials?: AwsCredentials;
  /** The region in the signature's credential scope (default us-east-1); used only with `credentials`. */
  region?: string;
}

export interface Stored {
  shardId: string;
  sequenceNumber: string;
}

/** A record the producer gave up on: the last AWS error code and message it got. */
export class ProducerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly attempts: number,
  ) {
    super(`${code}: ${message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
    this.name = 'ProducerError';
  }
}

interface Entry extends OutRecord {
  bytes: number;
  attempts: number;
  resolve: (s: Stored) => void;
  reject: (e: ProducerError) => void;
}

/** The region signatures name when `credentials` come without one. Riffle verifies whatever region a signature names; AWS would want the stream's. */
const DEFAULT_REGION = 'us-east-1';

const DEFAULTS = {
  maxBatchRecords: PUT_RECORDS_MAX,
  // Under PutRecords' 5 MiB (keys included) with room for the JSON body's base64.
  maxBatchBytes: 4 * 1024 * 1024,
  lingerMs: 5,
  maxInFlight: 8,
  maxRetries: 30,
  backoffBaseMs: 20,
  backoffMaxMs: 1000,
  maxPendingRecords: 100_000,
  ordered: true,
  maxRecordBytes: RECORD_BYTES_MAX,
};

export class Producer {
  private readonly o: typeof DEFAULTS & { streamName: string };
  private readonly transport: Transport;
  /** Per key, records not yet settled, oldest first; only the head may be sent (ordered mode). */
  private readonly byKey = new Map<string, Entry[]>();
  private ready: Entry[] = [];
  private unsettled = 0;
  private inFlight = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private lingerExpired = false;
  private flushing = 0;
  private readonly spaceWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];

  constructor(options: ProducerOptions) {
    this.o = { ...DEFAULTS, ...options } as typeof DEFAULTS & { streamName: string };
    for (const k of ['maxBatchRecords', 'maxBatchBytes', 'maxInFlight', 'maxPendingRecords'] as const) {
      if (!Number.isInteger(this.o[k]) || this.o[k] < 1) throw new RangeError(`Producer: ${k} must be a positive integer, got ${this.o[k]}`);
    }
    if (this.o.maxBatchRecords > PUT_RECORDS_MAX) throw new RangeError(`Producer: maxBatchRecords is at most ${PUT_RECORDS_MAX} (PutRecords)`);
    if (!Number.isInteger(this.o.maxRecordBytes) || this.o.maxRecordBytes < 1 || this.o.maxRecordBytes > RECORD_BYTES_LIMIT) {
      throw new RangeError(`Producer: maxRecordBytes must be an integer from 1 to ${RECORD_BYTES_LIMIT}, got ${this.o.maxRecordBytes}`);
    }
    if (options.compression !== undefined && !['none', 'lz4'].includes(options.compression)) throw new RangeError(`Producer: compression is 'none' or 'lz4', got ${String(options.compression)}`);
    const ep = options.endpoint;
    let signing: SigningOptions | undefined;
    if (options.credentials !== undefined) {
      // Silently sending unsigned requests would fail later, at the server, and less clearly.
      if (typeof ep !== 'string') throw new RangeError('Producer: credentials apply to an endpoint URL; a Transport given as endpoint signs its own requests');
      signing = { credentials: options.credentials, region: options.region ?? DEFAULT_REGION };
      checkSigningOptions(signing);
    }
    this.transport =
      typeof ep !== 'string' ? ep : ep.startsWith('ws') ? new WsTransport(ep, { compression: options.compression, signing }) : new HttpTransport(ep, this.o.maxInFlight, { signing });
  }

  /** Resolves when the record is stored (its shard and sequence number), rejects if given up. */
  async put(partitionKey: string, data: Uint8Array): Promise<Stored> {
    // PutRecords' per-record rules, checked here so one bad record never fails a whole batch.
    if (partitionKey.length < 1 || partitionKey.length > PARTITION_KEY_CHARS_MAX) {
      throw new ProducerError('ValidationException', `partition key must be 1 to ${PARTITION_KEY_CHARS_MAX} characters, got ${partitionKey.length}`, 0);
    }
    if (Buffer.byteLength(partitionKey) + data.length > this.o.maxRecordBytes) {
      throw new ProducerError('InvalidArgumentException', `record size (data and partition key) exceeds ${this.o.maxRecordBytes} bytes`, 0);
    }
    // Full: wait in line; a settling record hands its slot to the longest-waiting put (FIFO).
    if (this.unsettled >= this.o.maxPendingRecords || this.spaceWaiters.length > 0) {
      await new Promise<void>((r) => this.spaceWaiters.push(r));
    } else {
      this.unsettled++;
    }
    return new Promise<Stored>((resolve, reject) => {
      const entry: Entry = { partitionKey, data, bytes: Buffer.byteLength(partitionKey) + data.length, attempts: 0, resolve, reject };
      if (!this.o.ordered) this.ready.push(entry);
      else {
        const queue = this.byKey.get(partitionKey);
        if (queue === undefined) {
          this.byKey.set(partitionKey, [entry]);
          this.ready.push(entry);
        } else queue.push(entry);
      }
      this.pump();
    });
  }

  /** Sends what is buffered without waiting for linger; resolves when every record is settled. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      this.pump();
      while (this.unsettled > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    } finally {
      this.flushing--;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    await this.transport.close();
  }

  private pump(): void {
    while (this.inFlight < this.o.maxInFlight && this.ready.length > 0) {
      const full = this.ready.length >= this.o.maxBatchRecords;
      if (!full && !this.lingerExpired && this.flushing === 0) {
        if (this.lingerTimer === null) {
          this.lingerTimer = setTimeout(() => {
            this.lingerTimer = null;
            this.lingerExpired = true;
            this.pump();
            this.lingerExpired = false;
          }, this.o.lingerMs);
        }
        return;
      }
      const batch: Entry[] = [];
      let bytes = 0;
      while (batch.length < this.o.maxBatchRecords && this.ready.length > 0) {
        const next = this.ready[0] as Entry;
        if (batch.length > 0 && bytes + next.bytes > this.o.maxBatchBytes) break;
        batch.push(this.ready.shift() as Entry);
        bytes += next.bytes;
      }
      this.inFlight++;
      this.transport
        .send(this.o.streamName, batch)
        .then(
          (outcomes) => batch.forEach((e, i) => this.settle(e, outcomes[i])),
          (err: unknown) => {
            const be = err instanceof BatchError ? err : new BatchError('InternalFailure', String(err), true);
            for (const e of batch) this.settle(e, { ok: false, errorCode: be.code, errorMessage: be.detail }, be.retryable);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private settle(e: Entry, outcome: RecordOutcome | undefined, retryable?: boolean): void {
    if (outcome?.ok === true) return this.done(e, () => e.resolve({ shardId: outcome.shardId, sequenceNumber: outcome.sequenceNumber }));
    const code = outcome?.errorCode ?? 'InternalFailure';
    const canRetry = retryable ?? (code === 'ProvisionedThroughputExceededException' || code === 'InternalFailure' || code === 'ServiceUnavailable');
    e.attempts++;
    if (canRetry && e.attempts <= this.o.maxRetries) {
      // Full jitter: a random wait up to base × 2^attempts, capped.
      const wait = Math.random() * Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** e.attempts);
      setTimeout(() => {
        this.ready.push(e); // still its key's head: nothing behind it was sent
        this.pump();
      }, wait); // ref'd: a pending retry keeps the process alive until flush/close settles
      return;
    }
    this.done(e, () => e.reject(new ProducerError(code, outcome?.errorMessage ?? '', e.attempts)));
  }

  /** Settles a record and lets its key's next record go. */
  private done(e: Entry, settle: () => void): void {
    settle();
    if (this.o.ordered) {
      const queue = this.byKey.get(e.partitionKey) as Entry[];
      queue.shift();
      const next = queue[0];
      if (next === undefined) this.byKey.delete(e.partitionKey);
      else this.ready.push(next);
    }
    const waiter = this.spaceWaiters.shift();
    if (waiter !== undefined) waiter(); // the slot passes to it: `unsettled` is unchanged
    else this.unsettled--;
    if (this.unsettled === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }
}
