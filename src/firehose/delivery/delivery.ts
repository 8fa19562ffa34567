import type { EndpointWriterSettings } from '../http/endpoint-writer.js';
import type { ShardMeta } from '../transform/intake.js';
import { Partitions } from '../partition/partitions.js';
import { TransformStage, type Extractor, type Invoker, type TransformSettings, type TransformedUnit } from '../transform/transform-stage.js';
import { Batch, type Positions, type TakenBatch } from './batch.js';
import type { Clock, ObjectSettings, WriteOutcome } from './object-writer.js';
import type { ErrorOutputType } from '../keys/prefix.js';

export interface DeliverySettings extends ObjectSettings {
  /** SizeInMBs in bytes: an object is made once this much is buffered... */
  readonly sizeBytes: number;
  /** ...or IntervalInSeconds after its oldest record arrived, whichever comes first (0: at once). */
  readonly intervalMs: number;
  readonly delimiter: boolean;
  /** Each record's length is kept in the batch (an HTTP endpoint gets the records one by one). */
  readonly keepLengths?: boolean;
  /** An HTTP endpoint destination: its requests (the object settings above are its S3 backup's). */
  readonly endpoint?: EndpointWriterSettings;
  /** S3BackupMode AllData: every record is backed up too, not only those that fail. */
  readonly backupAll?: boolean;
  /** A Lambda processor or a MetadataExtraction query: records go through it before they are buffered for the destination. */
  readonly transform?: TransformSettings;
  /** Dynamic partitioning: a buffer per partition (partition/partitions.ts) instead of one. */
  readonly partitioned?: boolean;
  /** --partition-buffers-bytes. */
  readonly partitionBuffersBytes?: number;
}

/** What a delivery with a transform needs besides its settings: the handler pool, a writer for the processing-failed records, the metrics. */
export interface TransformParts {
  readonly pool: Invoker;
  /** The jq pool, for a MetadataExtraction query. */
  readonly jq: Extractor | null;
  /** Why the sink could not hold `key` in `bucket` (a partitioned prefix is made of record data). */
  keyProblem(bucket: string, key: string): string | undefined;
  readonly errors: { write(batch: TakenBatch, settings: ObjectSettings): Promise<WriteOutcome>; stop(): void };
  /** Units of records at the pool at once, per delivery stream. */
  readonly maxUnits: number;
  invoked(durationMs: number, ok: boolean): void;
  succeeded(records: number, bytes: number): void;
}

/** Where a source puts what it read: Batch.add's contract (the batch itself, or a transform's buffer). */
export interface Intake {
  add(source: string, section: Uint8Array, count: number, nextSeq: number, split?: (data: Uint8Array) => readonly Uint8Array[] | null): number;
}

/** What makes a batch delivered: an object written to the sink (object-writer.ts), or requests to an HTTP endpoint (http/http-delivery.ts). */
export interface DeliveryWriter {
  write(batch: TakenBatch, settings: DeliverySettings): Promise<WriteOutcome>;
  stop(): void;
}

export interface DeliveryHooks {
  /** An object reached the sink (or was given up on): delivery goes on from `positions`. */
  checkpoint(positions: Positions, newestArrivalMs: number): void;
  /**
   * An object's records were lost before they reached the sink (its compression failed after the
   * buffer went to the pool): nothing is checkpointed, and delivery must start again from the last
   * checkpoint (the records are still in the source).
   */
  reread(): void;
  /** An object was stored, or given up on (its records dropped): for the metrics. */
  delivered(records: number, bytes: number, stored: boolean): void;
  log(line: string): void;
}

/** Where a delivery's records come from: the internal log (DirectPut) or a Kinesis stream's shards. */
export interface DeliverySource {
  /** Where each part of the source starts (the checkpoint's positions). */
  readonly start: Positions;
  /** Starts reading into `delivery` (each source reads only while `delivery.hasRoom`). */
  begin(delivery: Delivery): void;
  stop(): void;
  /** A Kinesis source's shard by its id, for the transform's kinesisRecordMetadata (absent or null: none). */
  shardOf?(source: string): ShardMeta | null;
}

/**
 * Delivery of one delivery stream: its source adds records to the batch; an object is made when
 * SizeInMBs are buffered or IntervalInSeconds have passed since the oldest buffered record arrived,
 * whichever is first ("The first buffer condition that is satisfied triggers Firehose to deliver
 * the data"). One object is written at a time, in order, so the checkpoint only moves forward.
 * Memory: the batch being filled (SizeInMBs, plus one read per source) and the one being written.
 */
export class Delivery {
  readonly batch: Batch;
  private writing: Promise<void> | null = null;
  /** The oldest arrival in the object being written (Infinity: none). */
  private writingOldestMs = Infinity;
  private stopped = false;
  private readonly roomWaiters: Array<() => void> = [];
  /** The Lambda processor's stage, when there is one: sources add to it, it adds to the batch (or the partitions). */
  private readonly stage: TransformStage | null = null;
  /** Dynamic partitioning's buffers, instead of the batch. */
  private readonly partitions: Partitions | null = null;

  constructor(
    private settings: DeliverySettings,
    private readonly source: DeliverySource,
    private readonly writer: DeliveryWriter,
    private readonly clock: Clock,
    private readonly hooks: DeliveryHooks,
    private readonly transform?: TransformParts,
  ) {
    this.batch = new Batch(settings.delimiter, source.start, settings.keepLengths === true);
    if (settings.transform !== undefined) this.stage = this.makeStage(settings.transform);
    if (settings.partitioned === true) this.partitions = this.makePartitions();
  }

  private makePartitions(): Partitions {
    if (this.stage === null) throw new Error(`delivery stream ${this.settings.streamName} is partitioned without a processor to give the keys`);
    const hooks = this.hooks;
    return new Partitions(
      this.settings,
      {
        write: (batch, settings) => this.writer.write(batch, { ...this.settings, ...settings }),
        writeErrors: (batch, type) => this.writeErrors(batch, type),
        checkpoint: (positions, cutoffMs) => hooks.checkpoint(positions, cutoffMs),
        delivered: (records, bytes, stored) => hooks.delivered(records, bytes, stored),
        keyProblem: (prefix) => (this.transform as TransformParts).keyProblem(this.settings.bucket, `${prefix}${this.settings.streamName}-object${this.settings.extension}`),
        reread: (reason) => this.restart(reason),
        roomFreed: () => this.wake(),
        log: hooks.log,
      },
      this.clock,
      this.source.start,
    );
  }

  /** Error records under the error prefix of `type`, by the transform's writer. */
  private writeErrors(batch: TakenBatch, type: ErrorOutputType): Promise<WriteOutcome> {
    const parts = this.transform as TransformParts;
    const s = this.settings;
    return parts.errors.write(batch, { ...s, prefixes: { ...s.prefixes, evaluate: (t, zone) => s.prefixes.evaluateError(t, zone, type) } });
  }

  /** Records are lost here but still in the source: stop, and start again from the last checkpoint. */
  private restart(reason: string): void {
    this.hooks.log(`riffle: firehose ${this.settings.streamName}: ${reason}; delivering again from the last checkpoint`);
    this.stop();
    this.hooks.reread();
  }

  private wake(): void {
    if (this.hasRoom) for (const wake of this.roomWaiters.splice(0)) wake();
  }

  /** A transformed unit goes on: to its partitions, or into the batch. */
  private async deliverUnit(unit: TransformedUnit): Promise<void> {
    if (this.partitions !== null) return this.partitions.add(unit);
    this.batch.addRecords(
      unit.records.map((r) => r.data),
      unit.oldestArrivalMs,
      unit.newestArrivalMs,
      unit.positions,
    );
    if (this.due()) this.flush();
  }

  private makeStage(t: TransformSettings): TransformStage {
    const parts = this.transform;
    if (parts === undefined) throw new Error(`delivery stream ${this.settings.streamName} has a Lambda processor but no handler pool`);
    const hooks = this.hooks;
    return new TransformStage(
      t,
      parts.pool,
      parts.jq,
      {
        deliver: (unit) => this.deliverUnit(unit),
        writeErrors: (batch, type) => this.writeErrors(batch, type),
        reread: (reason) => this.restart(reason),
        roomFreed: () => this.wake(),
        invoked: (ms, ok) => parts.invoked(ms, ok),
        succeeded: (records, bytes) => parts.succeeded(records, bytes),
        log: (line) => hooks.log(line.replace('riffle: firehose:', `riffle: firehose ${this.settings.streamName}:`)),
      },
      this.clock,
      this.source.start,
      (source) => this.source.shardOf?.(source) ?? null,
      parts.maxUnits,
    );
  }

  /** Where the source adds what it reads: the transform's buffer, or the batch. */
  get intake(): Intake {
    return this.stage?.intake ?? this.batch;
  }

  /** Whether `settings` can be taken by update(): a processor is neither added nor removed (the delivery is started again for that). */
  canUpdate(settings: DeliverySettings): boolean {
    return (settings.transform === undefined) === (this.stage === null) && (settings.transform?.lambda === undefined) === (this.settings.transform?.lambda === undefined) && (settings.transform?.query === undefined) === (this.settings.transform?.query === undefined);
  }

  /** What the partitions buffer now (dynamic partitioning), for the metrics; null: not partitioned. */
  get partitionBuffers(): { bytes: number; records: number; partitions: number } | null {
    return this.partitions?.buffered ?? null;
  }

  get name(): string {
    return this.settings.streamName;
  }

  get log(): (line: string) => void {
    return this.hooks.log;
  }

  start(): void {
    this.source.begin(this);
  }

  /** UpdateDestination: objects made from now on follow the new settings (and carry the new version). */
  update(settings: DeliverySettings): void {
    if (!this.canUpdate(settings)) throw new Error(`delivery stream ${settings.streamName}: a Lambda processor added or removed needs a new delivery`);
    this.settings = settings;
    this.batch.delimiter = settings.delimiter;
    if (settings.transform !== undefined) this.stage?.update(settings.transform);
    this.partitions?.update(settings);
    // A larger SizeInMBs makes room for sources waiting on a full batch; a smaller one may be due now.
    if (this.hasRoom) for (const wake of this.roomWaiters.splice(0)) wake();
    if (this.due()) this.flush();
  }

  /** Whether a source may add more (below SizeInMBs buffered). */
  get hasRoom(): boolean {
    return !this.stopped && (this.partitions?.hasRoom ?? this.batch.bytes < this.settings.sizeBytes) && (this.stage?.hasRoom ?? true);
  }

  /** Bytes a source may still add before the batch (or the transform's buffer) is full (at least 1). */
  get room(): number {
    return this.stage?.room ?? Math.max(1, this.settings.sizeBytes - this.batch.bytes);
  }

  /** Resolves when there is room again (at once if there is); never, once stopped. */
  whenRoom(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** A source added records: transform them or deliver them if a buffer condition is met. */
  added(): void {
    if (this.stage !== null) this.stage.tick();
    else if (this.due()) this.flush();
  }

  /** Called by the service's ticker: the interval may have passed for the oldest buffered record. */
  tick(): void {
    this.stage?.tick();
    this.partitions?.tick();
    if (this.due()) this.flush();
  }

  private due(): boolean {
    const b = this.batch;
    if (b.count === 0) return b.advanced; // a transform dropped or failed them all: only the checkpoint moves
    return b.bytes >= this.settings.sizeBytes || this.clock.now() >= b.oldestArrivalMs + this.settings.intervalMs;
  }

  /** Stops reading and writing; what is buffered and not stored is dropped here (a durable source keeps it). */
  stop(): void {
    this.stopped = true;
    this.source.stop();
    this.writer.stop();
    this.stage?.stop();
    this.partitions?.stop();
    this.transform?.errors.stop();
    this.roomWaiters.length = 0;
  }

  /**
   * The arrival of the oldest record not delivered yet, buffered or being written (Infinity: none):
   * DeliveryToS3.DataFreshness is its age.
   */
  get oldestPendingMs(): number {
    return Math.min(this.writingOldestMs, this.batch.count > 0 ? this.batch.oldestArrivalMs : Infinity, this.stage?.oldestPendingMs ?? Infinity, this.partitions?.oldestPendingMs ?? Infinity);
  }

  /** SizeInMBs, in bytes: the buffer's size. */
  get bufferBytes(): number {
    return this.settings.sizeBytes;
  }

  get intervalMs(): number {
    return this.settings.intervalMs;
  }

  /** Until the records being transformed and the object being written (if any) are stored or given up. */
  async idle(): Promise<void> {
    while (this.writing !== null || this.stage?.busy === true) {
      await this.stage?.idle();
      await this.writing;
    }
    await this.partitions?.idle();
  }

  /** Starts writing the buffered records as one object, unless one is being written (it then follows). */
  private flush(): void {
    if (this.writing !== null || (this.batch.count === 0 && !this.batch.advanced) || this.stopped) return;
    const taken = this.batch.take();
    for (const wake of this.roomWaiters.splice(0)) wake();
    this.writingOldestMs = taken.oldestArrivalMs;
    this.writing = this.write(taken)
      .catch((err: unknown) => {
        // Never an unhandled rejection, and no later checkpoint past these records: delivery
        // starts again from the last checkpoint (the records are still in the source).
        this.hooks.log(`riffle: firehose ${this.settings.streamName}: delivering a batch failed (${(err as Error).message}); delivering again from the last checkpoint`);
        this.stop();
        this.hooks.reread();
      })
      .finally(() => {
        this.writing = null;
        this.writingOldestMs = Infinity;
        if (this.due()) this.flush();
      });
  }

  private async write(taken: TakenBatch): Promise<void> {
    const settings = this.settings;
    // A batch of empty records is delivered too where records go one by one (an HTTP endpoint takes them).
    if (taken.bytes > 0 || (taken.lengths !== undefined && taken.count > 0)) {
      const outcome = await this.writer.write(taken, settings);
      if (this.stopped && !outcome.stored) return;
      if (outcome.stored) this.hooks.delivered(outcome.deliveredRecords ?? taken.count, outcome.deliveredBytes ?? taken.bytes, true);
      else if (!outcome.reread) this.hooks.delivered(taken.count, taken.bytes, false);
      if (!outcome.stored && outcome.reread) {
        this.hooks.log(`riffle: firehose ${settings.streamName}: ${outcome.reason}; delivering again from the last checkpoint`);
        this.stop();
        return this.hooks.reread();
      }
      if (!outcome.stored) {
        // AWS drops the data after its retry window; say so loudly, once per object.
        this.hooks.log(`riffle: firehose ${settings.streamName}: dropped ${taken.count} record(s) (${taken.bytes} bytes) that could not be delivered: ${outcome.reason}`);
      }
    }
    this.hooks.checkpoint(taken.positions, taken.newestArrivalMs);
  }
}
