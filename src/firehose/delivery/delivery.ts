import type { InternalLog, InternalLogs } from '../../engine/internal-logs.js';
import { Batch, type TakenBatch } from './batch.js';
import type { Clock, ObjectSettings, ObjectWriter } from './object-writer.js';

/** Bytes asked of the log per read (a reply must fit half the owner's reply ring, 16 MiB). */
const READ_BYTES_MAX = 4 * 1024 * 1024;
/** After a failed read (not a stop), wait this long before the next. */
const READ_RETRY_MS = 1000;

export interface DeliverySettings extends ObjectSettings {
  /** SizeInMBs in bytes: an object is made once this much is buffered... */
  readonly sizeBytes: number;
  /** ...or IntervalInSeconds after its oldest record arrived, whichever comes first (0: at once). */
  readonly intervalMs: number;
  readonly delimiter: boolean;
}

export interface DeliveryHooks {
  /** An object reached the sink (or was given up on): record that delivery goes on after `nextSeq`. */
  checkpoint(nextSeq: number): void;
  log(line: string): void;
}

/**
 * Delivery of one DirectPut delivery stream: reads its internal log from the checkpoint (a read
 * that finds nothing waits at the owner for the next append: no polling), buffers the records, and
 * makes an object when SizeInMBs are buffered or IntervalInSeconds have passed since the oldest
 * buffered record arrived, whichever is first ("The first buffer condition that is satisfied
 * triggers Firehose to deliver the data"). One object is written at a time, in order, so the
 * checkpoint only moves forward; once it has moved, the log drops what was delivered.
 * Memory: the batch being filled (about SizeInMBs, plus one read) and the one being written.
 */
export class Delivery {
  private batch: Batch;
  private readSeq: number;
  private writing: Promise<void> | null = null;
  private stopped = false;
  private sleeping: NodeJS.Timeout | null = null;

  constructor(
    private readonly logs: InternalLogs,
    private readonly log: InternalLog,
    private settings: DeliverySettings,
    private readonly writer: ObjectWriter,
    private readonly clock: Clock,
    private readonly hooks: DeliveryHooks,
    fromSeq: number,
  ) {
    this.batch = new Batch(settings.delimiter);
    this.readSeq = fromSeq;
  }

  start(): void {
    void this.readLoop();
  }

  /** UpdateDestination: objects made from now on follow the new settings (and carry the new version). */
  update(settings: DeliverySettings): void {
    this.settings = settings;
  }

  /** Called by the service's ticker: the interval has passed for the oldest buffered record. */
  tick(): void {
    if (this.due()) this.flush();
  }

  private due(): boolean {
    const b = this.batch;
    if (b.count === 0) return false;
    return b.bytes >= this.settings.sizeBytes || this.clock.now() >= b.oldestArrivalMs + this.settings.intervalMs;
  }

  /** Stops reading and writing; what is buffered and not stored is dropped (it stays in the log, if the log stays). */
  stop(): void {
    this.stopped = true;
    this.writer.stop();
    if (this.sleeping !== null) clearTimeout(this.sleeping);
  }

  /** Until the object being written (if any) is stored or given up. */
  async idle(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  private async readLoop(): Promise<void> {
    while (!this.stopped) {
      if (this.batch.bytes >= this.settings.sizeBytes) {
        // Full: hand it over, or wait for the object being written if there is one.
        if (this.writing !== null) await this.writing;
        else this.flush();
        continue;
      }
      let read;
      try {
        const room = Math.max(1, Math.min(READ_BYTES_MAX, this.settings.sizeBytes - this.batch.bytes));
        read = await this.logs.read(this.log, this.readSeq, room, true);
      } catch (err) {
        if (this.stopped) return;
        this.hooks.log(`riffle: firehose ${this.settings.streamName}: cannot read its log (${(err as Error).message}); retrying`);
        await this.sleep(READ_RETRY_MS);
        continue;
      }
      if (this.stopped) return;
      if (read.count > 0) this.batch.addReadRecords(read.bytes, read.count, read.nextSeq);
      this.readSeq = read.nextSeq;
      if (this.due()) this.flush();
    }
  }

  /** Starts writing the buffered records as one object, unless one is being written (it then follows). */
  private flush(): void {
    if (this.writing !== null || this.batch.count === 0 || this.stopped) return;
    const taken = this.batch.take();
    this.writing = this.write(taken).finally(() => {
      this.writing = null;
      if (this.due()) this.flush();
    });
  }

  private async write(taken: TakenBatch): Promise<void> {
    const settings = this.settings;
    if (taken.bytes > 0) {
      const outcome = await this.writer.write(taken, settings);
      if (this.stopped && !outcome.stored) return;
      if (!outcome.stored) {
        // AWS drops the data after its retry window; say so loudly, once per object.
        this.hooks.log(`riffle: firehose ${settings.streamName}: dropped ${taken.count} record(s) (${taken.bytes} bytes) that could not be delivered: ${outcome.reason}`);
      }
    }
    this.hooks.checkpoint(taken.nextSeq);
    // Every record that arrived before the newest one stored is delivered (arrivals never decrease).
    this.logs.trim(this.log, taken.newestArrivalMs).catch((err: unknown) => {
      if (!this.stopped) this.hooks.log(`riffle: firehose ${settings.streamName}: cannot trim its log (${(err as Error).message})`);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleeping = setTimeout(() => {
        this.sleeping = null;
        resolve();
      }, ms);
      this.sleeping.unref();
    });
  }
}
