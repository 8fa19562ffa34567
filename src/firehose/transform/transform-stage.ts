import { randomUUID } from 'node:crypto';
import type { Positions, TakenBatch } from '../delivery/batch.js';
import type { Clock, WriteOutcome } from '../delivery/object-writer.js';
import { Pause } from '../delivery/pause.js';
import { judgeAnswer, processingFailedRecord, TRANSFORM_ERRORS, type InvocationIn, type Outcome, type RecordIn } from './contract.js';
import type { Invocation } from './handler-pool.js';
import { RecordIntake, type ShardMeta, type TakenRecords } from './intake.js';
import type { Extracted } from '../partition/jq-pool.js';
import type { ErrorOutputType, PartitionKeys } from '../keys/prefix.js';

/** A delivery stream's Lambda processor, as its parameters say (transform/processor.ts). */
export interface LambdaSettings {
  readonly lambdaArn: string;
  /** The module --lambda registered for the ARN's function; null: none (its invocations fail, Lambda.ResourceNotFound). */
  readonly module: string | null;
  /** NumberOfRetries: an invocation that fails is tried this many more times. */
  readonly retries: number;
  /** How long an invocation may run (Lambda's limit is 5 minutes; the function's own timeout here). */
  readonly timeoutMs: number;
}

/** What runs on the records before they are buffered for the destination: a Lambda processor, a MetadataExtraction query, or both (the query on the function's output). */
export interface TransformSettings {
  readonly lambda?: LambdaSettings;
  /** Dynamic partitioning's MetadataExtractionQuery (jq 1.6): each record's partitionKeyFromQuery keys. */
  readonly query?: string;
  /** BufferSizeInMBs, in bytes, and BufferIntervalInSeconds, in ms: when the buffered records are sent (the Lambda processor's; 1 MiB and 0 for a query alone). */
  readonly sizeBytes: number;
  readonly intervalMs: number;
  readonly deliveryStreamArn: string;
  readonly region: string;
  readonly sourceKinesisStreamArn?: string;
}

/** The handler pool's one call (transform/handler-pool.ts), and the jq pool's (partition/jq-pool.ts). */
export interface Invoker {
  invoke(module: string, functionArn: string, inv: InvocationIn, timeoutMs: number): Promise<Invocation>;
}
export interface Extractor {
  extract(query: string, records: readonly Uint8Array[]): Promise<Extracted[]>;
}

/** A record on its way to the destination: its (transformed) data, when it arrived, its partition keys. */
export interface StagedRecord {
  readonly data: Uint8Array;
  readonly arrivalMs: number;
  readonly keys?: PartitionKeys;
}

/** What a unit of records became: the records to deliver (the error records are written), where the sources are after it. */
export interface TransformedUnit {
  readonly records: readonly StagedRecord[];
  readonly oldestArrivalMs: number;
  readonly newestArrivalMs: number;
  readonly positions: Positions;
}

/** Dynamic partitioning's error output for a record whose keys the query could not give (error-output-type and error code). */
export const QUERY_FAILED = { type: 'metadata-extraction-failed', errorCode: 'DynamicPartitioning.MetadataExtractionFailed' } as const;

export interface StageHooks {
  /** A unit is transformed (its error records stored): its Ok records go on to the destination's buffer (or its partitions, which store their error records first). */
  deliver(unit: TransformedUnit): Promise<void>;
  /** Stores a unit's error records under the error output of `type` (processing-failed, or the query's). */
  writeErrors(batch: TakenBatch, type: ErrorOutputType): Promise<WriteOutcome>;
  /** The records are lost here but still in the source: delivery starts again from the checkpoint. */
  reread(reason: string): void;
  /** Room for the sources again (a unit left the stage). */
  roomFreed(): void;
  /** One invocation: how long it took and whether it gave an answer that was taken (ExecuteProcessing.*). */
  invoked(durationMs: number, ok: boolean): void;
  /** Records the transform returned Ok, and their bytes as they came in (SucceedProcessing.*). */
  succeeded(records: number, bytes: number): void;
  log(line: string): void;
}

/** AWS Lambda's limit on a synchronous invocation's request and response: 6 MB. */
const PAYLOAD_MAX = 6 * 1024 * 1024;
/** JSON per record besides its data (ids, timestamps, Kinesis metadata), for sizing a request. */
const RECORD_OVERHEAD = 400;
/** Waits between tries: a throw is tried again at once, then after 1 s, 2 s, 4 s (at most 10 s). */
const backoffMs = (attempt: number): number => (attempt <= 1 ? 0 : Math.min(10_000, 1000 * 2 ** (attempt - 2)));
/** When the pool has no room for an invocation (several streams at once), it is tried again after this long; no try is counted. */
const BUSY_MS = 20;

/**
 * The Lambda processor of a delivery stream: records from the source are buffered here until
 * BufferSizeInMBs are in or BufferIntervalInSeconds have passed since the oldest came, then sent to
 * the function as one unit (split into invocations of at most 6 MB), in the exact event Firehose
 * sends. The answers go on in the order the records came: the processing-failed records to the
 * error output, then the Ok records to the destination's buffer (its own hints make the objects).
 * Up to `maxUnits` units are at the pool at once while the buffer fills with the next; the sources
 * wait once it is full.
 */
export class TransformStage {
  readonly intake: RecordIntake;
  private readonly units: Array<{ oldestArrivalMs: number; result: Promise<UnitResult | null> }> = [];
  private applying: Promise<void> | null = null;
  private stopped = false;
  private readonly pause = new Pause();

  constructor(
    private settings: TransformSettings,
    private readonly pool: Invoker,
    private readonly jq: Extractor | null,
    private readonly hooks: StageHooks,
    private readonly clock: Clock,
    start: Positions,
    shardOf: (source: string) => ShardMeta | null,
    private readonly maxUnits: number,
  ) {
    this.intake = new RecordIntake(start, shardOf);
  }

  /** UpdateDestination: the units sent from now on follow the new parameters. */
  update(settings: TransformSettings): void {
    this.settings = settings;
    this.tick();
  }

  /** The buffer fills while units are at the pool (the next one is ready when a thread is); sources wait once it is full. */
  get hasRoom(): boolean {
    return !this.stopped && this.intake.bytes < this.settings.sizeBytes;
  }

  get room(): number {
    return Math.max(1, this.settings.sizeBytes - this.intake.bytes);
  }

  /** The arrival of the oldest record buffered or being transformed (Infinity: none). */
  get oldestPendingMs(): number {
    let oldest = this.intake.count > 0 ? this.intake.oldestArrivalMs : Infinity;
    for (const u of this.units) oldest = Math.min(oldest, u.oldestArrivalMs);
    return oldest;
  }

  get busy(): boolean {
    return !this.stopped && this.units.length > 0;
  }

  /** A source added records, or the ticker ticked: send the buffer if a condition is met. */
  tick(): void {
    const b = this.intake;
    if (this.stopped || b.count === 0 || this.units.length >= this.maxUnits) return;
    if (b.bytes >= this.settings.sizeBytes || this.clock.now() >= b.oldestArrivalMs + this.settings.intervalMs) this.send(b.take());
  }

  /** Until no unit is in the stage (or it stopped). */
  async idle(): Promise<void> {
    while (this.applying !== null && !this.stopped) await this.applying;
  }

  stop(): void {
    this.stopped = true;
    this.pause.wakeUp();
  }

  private send(taken: TakenRecords): void {
    if (this.stopped) return;
    // A unit that fails for a reason of Riffle's (not the function's) is read again from the checkpoint.
    const result = this.transform(taken).catch((err: unknown) => {
      this.fail(`transforming ${taken.records.length} record(s) failed (${(err as Error).message})`);
      return null;
    });
    this.units.push({ oldestArrivalMs: taken.oldestArrivalMs, result });
    if (this.applying === null) this.applying = this.applyInOrder();
  }

  /**
   * The units' results, oldest first, each applied once the ones before it are. `applying` is
   * cleared in the same step the loop ends in, so a unit sent after it starts another loop.
   */
  private async applyInOrder(): Promise<void> {
    try {
      while (this.units.length > 0 && !this.stopped) {
        const result = await (this.units[0] as { result: Promise<UnitResult | null> }).result;
        if (this.stopped || result === null) return;
        if (!(await this.apply(result))) return;
        this.units.shift();
        this.hooks.roomFreed();
        this.tick();
      }
    } catch (err) {
      this.fail(`delivering transformed records failed (${(err as Error).message})`);
    } finally {
      this.applying = null;
    }
  }

  /** Stops and has delivery start again from the checkpoint (the records are still in the source). */
  private fail(reason: string): void {
    if (this.stopped) return;
    this.stop();
    this.hooks.reread(reason);
  }

  /** False when delivery must start again from the checkpoint (the error records could not be stored). */
  private async apply(r: UnitResult): Promise<boolean> {
    for (const [type, lines] of r.errorLines) {
      const body = new Uint8Array(Buffer.from(`${lines.join('\n')}\n`));
      const stored = await this.hooks.writeErrors({ body, bytes: body.length, count: lines.length, oldestArrivalMs: r.unit.oldestArrivalMs, newestArrivalMs: r.unit.newestArrivalMs, positions: r.unit.positions }, type);
      if (this.stopped) return false;
      if (!stored.stored && stored.reread === true) {
        this.fail(`storing ${lines.length} ${type} record(s) failed (${stored.reason})`);
        return false;
      }
      if (!stored.stored) this.hooks.log(`riffle: firehose: dropped ${lines.length} ${type} record(s) that could not be stored: ${stored.reason}`);
    }
    await this.hooks.deliver(r.unit);
    return !this.stopped;
  }

  /** The unit through the function (in invocations of at most 6 MB) and the query; null once stopped. */
  private async transform(taken: TakenRecords): Promise<UnitResult | null> {
    const records: StagedRecord[] = [];
    const errorLines = new Map<ErrorOutputType, string[]>();
    const failed = (type: ErrorOutputType, line: string): void => void (errorLines.get(type) ?? errorLines.set(type, []).get(type)!).push(line);
    let okRecords = 0;
    let okBytes = 0;
    const lambda = this.settings.lambda;
    for (const chunk of chunks(taken.records)) {
      const done = lambda === undefined ? { outcomes: chunk.map((r): Outcome => ({ result: 'Ok', data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.length) })), attempts: 1, endedMs: this.clock.now() } : await this.invoke(chunk, lambda);
      if (done === null) return null;
      const keys = await this.extract(done.outcomes);
      if (keys === null) return null;
      chunk.forEach((record, i) => {
        const o = done.outcomes[i] as Outcome;
        if (o.result === 'Failed') {
          failed('processing-failed', processingFailedRecord(record, done.attempts, o.errorCode, o.errorMessage, done.endedMs, (lambda as LambdaSettings).lambdaArn));
          return;
        }
        if (o.result === 'Dropped') return;
        okRecords++;
        okBytes += record.data.length;
        const k = keys[i];
        if (k !== undefined && 'error' in k) {
          failed(QUERY_FAILED.type, queryFailedRecord(record, o.data, QUERY_FAILED.errorCode, k.error, this.clock.now()));
          return;
        }
        const partitionKeys: PartitionKeys = { ...(o.partitionKeys === undefined ? {} : { lambda: o.partitionKeys }), ...(k === undefined ? {} : { query: k.keys }) };
        records.push({ data: o.data, arrivalMs: record.arrivalMs, ...(o.partitionKeys === undefined && k === undefined ? {} : { keys: partitionKeys }) });
      });
    }
    if (okRecords > 0 && lambda !== undefined) this.hooks.succeeded(okRecords, okBytes);
    return { unit: { records, oldestArrivalMs: taken.oldestArrivalMs, newestArrivalMs: taken.newestArrivalMs, positions: taken.positions }, errorLines };
  }

  /** The query's keys for each Ok outcome (by index; undefined for the others, or with no query); null once stopped. */
  private async extract(outcomes: readonly Outcome[]): Promise<Array<Extracted | undefined> | null> {
    const query = this.settings.query;
    if (query === undefined || this.jq === null) return [];
    const at: number[] = [];
    const data: Uint8Array[] = [];
    outcomes.forEach((o, i) => {
      if (o.result === 'Ok') {
        at.push(i);
        data.push(o.data);
      }
    });
    const out: Array<Extracted | undefined> = new Array(outcomes.length);
    if (data.length === 0) return out;
    const got = await this.jq.extract(query, data);
    if (this.stopped) return null;
    got.forEach((e, n) => (out[at[n]!] = e));
    return out;
  }

  /** One invocation of `records`, tried again (NumberOfRetries) while the function gives no answer. */
  private async invoke(records: RecordIn[], s: LambdaSettings): Promise<{ outcomes: Outcome[]; attempts: number; endedMs: number } | null> {
    const where = this.settings;
    let last: { errorCode: string; errorMessage: string } = TRANSFORM_ERRORS.FUNCTION;
    let attempt = 0;
    while (attempt <= s.retries) {
      if (this.stopped) return null;
      attempt++;
      const inv0: InvocationIn = { invocationId: randomUUID(), deliveryStreamArn: where.deliveryStreamArn, region: where.region, ...(where.sourceKinesisStreamArn === undefined ? {} : { sourceKinesisStreamArn: where.sourceKinesisStreamArn }), records };
      const t0 = this.clock.now();
      const inv: Invocation = s.module === null ? { ok: false, kind: 'error', message: 'not registered' } : await this.pool.invoke(s.module, s.lambdaArn, inv0, s.timeoutMs);
      if (this.stopped) return null;
      if (!inv.ok && inv.kind === 'busy') {
        attempt--; // nothing ran
        await this.pause.for(BUSY_MS);
        continue;
      }
      const tooBig = inv.ok && answerBytes(inv.answer) > PAYLOAD_MAX;
      if (s.module !== null) this.hooks.invoked(inv.ms ?? this.clock.now() - t0, inv.ok && !tooBig);
      if (inv.ok && !tooBig) {
        const judged = judgeAnswer(records, inv.answer);
        if (judged.ok) return { outcomes: judged.outcomes, attempts: attempt, endedMs: this.clock.now() };
        // An answer is final, however malformed: its records fail as the answer did.
        this.hooks.log(`riffle: firehose: ${s.lambdaArn} answered ${records.length} record(s) with ${judged.detail}; they go to the error output (${judged.errorCode})`);
        return { outcomes: records.map(() => ({ result: 'Failed', errorCode: judged.errorCode, errorMessage: judged.errorMessage })), attempts: attempt, endedMs: this.clock.now() };
      }
      last =
        s.module === null
          ? { errorCode: 'Lambda.ResourceNotFound', errorMessage: `The Lambda function ${s.lambdaArn} does not exist: Riffle runs the functions given with --lambda <name>=<module>.` }
          : TRANSFORM_ERRORS.FUNCTION;
      const why = s.module === null ? 'no such function is registered (--lambda)' : tooBig ? 'its answer is over 6 MB' : (inv as { message: string }).message;
      if (attempt === 1) this.hooks.log(`riffle: firehose: invoking ${s.lambdaArn} failed (${why}); trying ${s.retries} more time(s)`);
      if (attempt <= s.retries) await this.pause.for(backoffMs(attempt));
    }
    return { outcomes: records.map(() => ({ result: 'Failed', ...last })), attempts: attempt, endedMs: this.clock.now() };
  }
}

interface UnitResult {
  unit: TransformedUnit;
  /** Error records by their error output type. */
  errorLines: Map<ErrorOutputType, string[]>;
}

/** A record whose partition keys the query could not give, as dynamic partitioning's error records are written (its data as the query saw it). */
function queryFailedRecord(r: RecordIn, data: Uint8Array, errorCode: string, errorMessage: string, endedMs: number): string {
  return JSON.stringify({ attemptsMade: 1, arrivalTimestamp: r.arrivalMs, errorCode, errorMessage, attemptEndingTimestamp: endedMs, rawData: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') });
}

/** The records in invocations whose events stay under Lambda's 6 MB. */
function* chunks(records: RecordIn[]): Generator<RecordIn[]> {
  let chunk: RecordIn[] = [];
  let size = 0;
  for (const r of records) {
    const bytes = Math.ceil(r.data.length / 3) * 4 + RECORD_OVERHEAD;
    if (chunk.length > 0 && size + bytes > PAYLOAD_MAX) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(r);
    size += bytes;
  }
  if (chunk.length > 0) yield chunk;
}

/** The size of an answer as Lambda would return it (its data strings dominate; a walk, not a JSON.stringify). */
function answerBytes(answer: unknown): number {
  const list = (answer as { records?: unknown } | null)?.records;
  if (!Array.isArray(list)) return 0;
  let bytes = 0;
  for (const r of list) bytes += (typeof (r as { data?: unknown } | null)?.data === 'string' ? ((r as { data: string }).data.length) : 0) + 100;
  return bytes;
}
