import { Batch, type Positions, type TakenBatch } from '../delivery/batch.js';
import type { Clock, ObjectSettings, WriteOutcome } from '../delivery/object-writer.js';
import { MissingPartitionKeyError, type CompiledPrefixes, type ErrorOutputType } from '../keys/prefix.js';
import type { StagedRecord, TransformedUnit } from '../transform/transform-stage.js';

/** AWS's default quota of active partitions per delivery stream (limits.html; 5,000 on request). */
export const ACTIVE_PARTITIONS_MAX = 500;
/** --partition-buffers-bytes' default. */
const DEFAULT_BUFFERS_BYTES = 256 * 1024 * 1024;
/** Partitions written at once. */
const WRITES_MAX = 4;

export interface PartitionSettings extends ObjectSettings {
  /** Bytes buffered over all partitions at most (--partition-buffers-bytes): past it, the largest is delivered early. */
  readonly partitionBuffersBytes?: number;
  readonly sizeBytes: number;
  readonly intervalMs: number;
  readonly delimiter: boolean;
  readonly keepLengths?: boolean;
}

export interface PartitionHooks {
  /** Stores an object of a partition under its own prefix. */
  write(batch: TakenBatch, settings: ObjectSettings): Promise<WriteOutcome>;
  /** Stores error records under the error output of `type`. */
  writeErrors(batch: TakenBatch, type: ErrorOutputType): Promise<WriteOutcome>;
  /** Delivery goes on from `positions`; the log may drop what arrived before `cutoffMs`. */
  checkpoint(positions: Positions, cutoffMs: number): void;
  delivered(records: number, bytes: number, stored: boolean): void;
  /** Why objects under `prefix` could not be stored where this server delivers (a directory cannot hold `..`, say), or undefined. */
  keyProblem(prefix: string): string | undefined;
  /** What was buffered is lost here (still in the source): delivery starts again from the checkpoint. */
  reread(reason: string): void;
  roomFreed(): void;
  log(line: string): void;
}

/** Where the sources were before a unit (`seq` orders them): the checkpoint cannot pass it while records of that unit are pending. */
interface Hold {
  readonly seq: number;
  readonly positions: Positions;
  /** The arrival of the unit's oldest record: the log may drop only what arrived before it. */
  readonly arrivalMs: number;
}

interface Partition {
  readonly prefix: string;
  /** What is buffered (records go on arriving while an object of the partition is written). */
  readonly batch: Batch;
  /** Before the unit of the oldest record buffered; null when nothing is. */
  buffered: Hold | null;
  /** Before the unit of the oldest record in the object being written, and that record's arrival; null when none is. */
  writing: { hold: Hold; oldestArrivalMs: number } | null;
}

/**
 * Dynamic partitioning's buffers: a record's partition is its prefix evaluated with its keys (and
 * its arrival, for timestamp expressions), as AWS counts partitions. Each partition fills a buffer
 * of its own, delivered as an object when SizeInMBs are in it or IntervalInSeconds have passed
 * since its oldest record, under that prefix. At most 500 partitions are active (buffered or
 * being written); a record that would open one more goes to the error output as
 * activePartitionExceeded, and one whose prefix names a key it lacks as partitioning-failed.
 *
 * Memory: the buffers hold at most partitionBuffersBytes over all partitions (past it the
 * largest is delivered early, smaller than SizeInMBs), plus what the units in flight add before
 * the largest goes (the processor's buffer each: 1 MiB for a query alone), plus the objects being
 * written (at most WRITES_MAX, taken from those buffers). The records' durable copy is the source;
 * partitions are delivered out of order, so the checkpoint is where the sources were before the
 * oldest record pending in any partition:
 * after a crash, everything read since is read again, and what other partitions had delivered
 * meanwhile is delivered twice (at least once, never lost).
 */
export class Partitions {
  /** The active partitions (buffered or being written), by prefix, in the order they opened. */
  private readonly partitions = new Map<string, Partition>();
  private last: Positions;
  private units = 0;
  private lastNewestMs = 0;
  private bufferedBytes = 0;
  private lastCheckpoint = '';
  private writes = 0;
  private stopped = false;
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private settings: PartitionSettings,
    private readonly hooks: PartitionHooks,
    private readonly clock: Clock,
    start: Positions,
  ) {
    this.last = new Map(start);
  }

  private get cap(): number {
    return this.settings.partitionBuffersBytes ?? DEFAULT_BUFFERS_BYTES;
  }

  update(settings: PartitionSettings): void {
    this.settings = settings;
    for (const p of this.partitions.values()) p.batch.delimiter = settings.delimiter;
    this.tick();
  }

  get hasRoom(): boolean {
    return !this.stopped && this.bufferedBytes < this.cap;
  }

  get buffered(): { bytes: number; records: number; partitions: number } {
    let records = 0;
    for (const p of this.partitions.values()) records += p.batch.count;
    return { bytes: this.bufferedBytes, records, partitions: this.partitions.size };
  }

  /** The arrival of the oldest record pending in any partition, buffered or being written (Infinity: none). */
  get oldestPendingMs(): number {
    let oldest = Infinity;
    for (const p of this.partitions.values()) {
      if (p.batch.count > 0) oldest = Math.min(oldest, p.batch.oldestArrivalMs);
      if (p.writing !== null) oldest = Math.min(oldest, p.writing.oldestArrivalMs);
    }
    return oldest;
  }

  /** A unit's records, each to its partition; their error records are stored before this resolves. */
  async add(unit: TransformedUnit): Promise<void> {
    // `last` and the cutoff move only once this unit is in (its error records stored): until then
    // the checkpoint cannot pass it.
    const before: Hold = { seq: this.units++, positions: this.last, arrivalMs: unit.oldestArrivalMs };
    const errors = new Map<ErrorOutputType, string[]>();
    const fail = (type: ErrorOutputType, r: StagedRecord, errorCode: string, errorMessage: string): void =>
      void (errors.get(type) ?? errors.set(type, []).get(type)!).push(errorRecord(r, errorCode, errorMessage, this.clock.now()));
    // The unit's records by partition: each partition's batch takes its share at once (one chunk, not one per record).
    const shares = new Map<Partition, { data: Uint8Array[]; oldestMs: number; newestMs: number }>();
    for (const r of unit.records) {
      let prefix: string;
      try {
        prefix = this.settings.prefixes.evaluate(r.arrivalMs, this.settings.timeZone, r.keys);
      } catch (err) {
        if (!(err instanceof MissingPartitionKeyError)) throw err;
        fail('partitioning-failed', r, 'DynamicPartitioning.PartitionKeyNotFound', `The record has no value for the partition key !{${err.namespace}:${err.key}} that the prefix names.`);
        continue;
      }
      let p = this.partitions.get(prefix);
      if (p === undefined) {
        const problem = this.hooks.keyProblem(prefix);
        if (problem !== undefined) {
          fail('partitioning-failed', r, 'DynamicPartitioning.InvalidPrefix', `The prefix the record's partition keys make, ${JSON.stringify(prefix)}, cannot be stored: ${problem}.`);
          continue;
        }
        if (this.partitions.size >= ACTIVE_PARTITIONS_MAX) {
          fail('activePartitionExceeded', r, 'DynamicPartitioning.ActivePartitionsLimitExceeded', `The number of active partitions has reached the limit of ${ACTIVE_PARTITIONS_MAX} for this Firehose stream.`);
          continue;
        }
        p = { prefix, batch: new Batch(this.settings.delimiter, before.positions, this.settings.keepLengths === true), buffered: null, writing: null };
        this.partitions.set(prefix, p);
      }
      const share = shares.get(p);
      if (share === undefined) shares.set(p, { data: [r.data], oldestMs: r.arrivalMs, newestMs: r.arrivalMs });
      else {
        share.data.push(r.data);
        share.oldestMs = Math.min(share.oldestMs, r.arrivalMs);
        share.newestMs = Math.max(share.newestMs, r.arrivalMs);
      }
    }
    for (const [p, share] of shares) {
      if (p.batch.count === 0) p.buffered = before;
      const bytes = p.batch.bytes;
      p.batch.addRecords(share.data, share.oldestMs, share.newestMs, unit.positions);
      this.bufferedBytes += p.batch.bytes - bytes;
    }
    for (const [type, lines] of errors) {
      const body = new Uint8Array(Buffer.from(`${lines.join('\n')}\n`));
      const stored = await this.hooks.writeErrors({ body, bytes: body.length, count: lines.length, oldestArrivalMs: unit.oldestArrivalMs, newestArrivalMs: unit.newestArrivalMs, positions: unit.positions }, type);
      if (this.stopped) return;
      if (!stored.stored && stored.reread === true) return this.fail(`storing ${lines.length} ${type} record(s) failed (${stored.reason})`);
      if (!stored.stored) this.hooks.log(`riffle: firehose ${this.settings.streamName}: dropped ${lines.length} ${type} record(s) that could not be stored: ${stored.reason}`);
    }
    this.last = unit.positions;
    this.lastNewestMs = Math.max(this.lastNewestMs, unit.newestArrivalMs);
    this.tick();
    this.checkpoint();
  }

  /** Delivers the partitions that are due (their size, their interval, or the buffers' bound), a few at a time. */
  tick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    for (const p of this.partitions.values()) {
      if (this.writes >= WRITES_MAX) return;
      if (p.writing === null && p.batch.count > 0 && (p.batch.bytes >= this.settings.sizeBytes || now >= p.batch.oldestArrivalMs + this.settings.intervalMs)) this.write(p);
    }
    while (this.bufferedBytes >= this.cap && this.writes < WRITES_MAX) {
      let largest: Partition | null = null;
      for (const p of this.partitions.values()) if (p.writing === null && (largest === null || p.batch.bytes > largest.batch.bytes)) largest = p;
      if (largest === null || largest.batch.count === 0) return;
      this.write(largest);
    }
  }

  private write(p: Partition): void {
    p.writing = { hold: p.buffered as Hold, oldestArrivalMs: p.batch.oldestArrivalMs };
    p.buffered = null;
    this.writes++;
    const taken = p.batch.take();
    this.bufferedBytes -= taken.bytes;
    this.hooks.roomFreed();
    const done = this.hooks
      .write(taken, { ...this.settings, prefixes: { ...this.settings.prefixes, evaluate: () => p.prefix } })
      .then((outcome) => {
        if (this.stopped) return;
        if (outcome.stored) this.hooks.delivered(taken.count, taken.bytes, true);
        else if (outcome.reread === true) return this.fail(outcome.reason);
        else {
          this.hooks.delivered(taken.count, taken.bytes, false);
          this.hooks.log(`riffle: firehose ${this.settings.streamName}: dropped ${taken.count} record(s) (${taken.bytes} bytes) under ${p.prefix} that could not be delivered: ${outcome.reason}`);
        }
        this.retire(p);
      })
      .catch((err: unknown) => this.fail(`writing under ${p.prefix} failed (${(err as Error).message})`))
      .finally(() => {
        this.writes--;
        this.writing.delete(done);
        this.tick();
      });
    this.writing.add(done);
  }

  /** A partition's object is stored (or given up on): the partition is no longer active unless records came meanwhile, and the checkpoint may move. */
  private retire(p: Partition): void {
    p.writing = null;
    if (p.batch.count === 0) this.partitions.delete(p.prefix);
    this.checkpoint();
  }

  /** The oldest hold over all partitions (null: nothing pending). */
  private oldestHold(): Hold | null {
    let oldest: Hold | null = null;
    for (const p of this.partitions.values()) {
      for (const h of [p.buffered, p.writing?.hold ?? null]) if (h !== null && (oldest === null || h.seq < oldest.seq)) oldest = h;
    }
    return oldest;
  }

  /** Records where the sources are before the oldest pending record's unit (or after the last unit, when none is pending), when that moved. */
  private checkpoint(): void {
    const hold = this.oldestHold();
    const positions = hold?.positions ?? this.last;
    const key = JSON.stringify([...positions]);
    if (key === this.lastCheckpoint) return;
    this.lastCheckpoint = key;
    // Every record of the held unit and after it arrived no earlier than its oldest.
    this.hooks.checkpoint(positions, hold?.arrivalMs ?? this.lastNewestMs);
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.stop();
    this.hooks.reread(reason);
  }

  async idle(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing);
  }

  stop(): void {
    this.stopped = true;
  }
}

/** An error record of dynamic partitioning (the fields of Firehose's other error records; rawData as the partitioner saw it). */
function errorRecord(r: StagedRecord, errorCode: string, errorMessage: string, endedMs: number): string {
  return JSON.stringify({ attemptsMade: 1, arrivalTimestamp: r.arrivalMs, errorCode, errorMessage, attemptEndingTimestamp: endedMs, rawData: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64') });
}
