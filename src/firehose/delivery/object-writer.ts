import { randomUUID } from 'node:crypto';
import { FIREHOSE_S3_RETRY_MS } from '../../limits.js';
import { contentEncodingOf, type CompressionFormat } from '../codecs/formats.js';
import { objectKey } from '../keys/object-key.js';
import type { CompiledPrefixes } from '../keys/prefix.js';
import { SinkClosedError, SinkInputError, type ObjectSink } from '../sinks/sink.js';
import { CompressPoolFullError } from '../codecs/compress-pool.js';
import type { TakenBatch } from './batch.js';
import { Pause } from './pause.js';

/** How one delivery stream's objects are made: what its destination description says, compiled. */
export interface ObjectSettings {
  readonly streamName: string;
  readonly version: number;
  readonly bucket: string;
  readonly format: CompressionFormat;
  /** FileExtension when given, else the format's. */
  readonly extension: string;
  /** CustomTimeZone, else UTC. */
  readonly timeZone: string;
  readonly prefixes: CompiledPrefixes;
  /** How long a failing sink is retried before the object is dropped, ms (AWS: 24 h for DirectPut). */
  readonly retryMs: number;
}

/** The compression pool's one call (codecs/compress-pool.ts): moves `data` to a worker thread. */
export interface Compressor {
  compress(format: CompressionFormat, data: Uint8Array): Promise<Uint8Array>;
  /** Resolves when a task the pool refused as full could be taken. */
  whenFree(): Promise<void>;
}

export interface Clock {
  now(): number;
}

/** `reread`: the records are lost here but still in the source; deliver them again from the checkpoint. */
export type WriteOutcome =
  /** deliveredRecords/Bytes: what reached the destination itself, when not the whole batch (an HTTP endpoint's backups). */
  | { stored: true; key: string; bytes: number; deliveredRecords?: number; deliveredBytes?: number }
  | { stored: false; reason: string; reread?: boolean };

/**
 * Makes a batch into one object and stores it: compresses it in the pool (off this thread and the
 * shard owners), names it as AWS does (`<prefix><name>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>`,
 * the time being the oldest record's arrival), and puts it into the sink, retrying every 5 s while
 * the sink fails (AWS: "Firehose retries every 5 seconds", for up to 24 hours with a DirectPut
 * source), the same key and bytes each time. `stop()` ends the retries at once.
 */
export class ObjectWriter {
  private stopped = false;
  private readonly pause = new Pause();

  constructor(
    private readonly pool: Compressor,
    private readonly sink: ObjectSink,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
    /** Each put into the sink, and whether it stored the object (DeliveryToS3.Success counts them all). */
    private readonly attempted: (stored: boolean) => void = () => undefined,
  ) {}

  async write(batch: TakenBatch, settings: ObjectSettings): Promise<WriteOutcome> {
    const prefix = settings.prefixes.evaluate(batch.oldestArrivalMs, settings.timeZone);
    const key = objectKey({
      prefix,
      streamName: settings.streamName,
      version: settings.version,
      timestampMs: batch.oldestArrivalMs,
      timeZone: settings.timeZone,
      uuid: randomUUID(),
      extension: settings.extension,
    });
    const body = await this.compressed(batch, settings);
    if (!(body instanceof Uint8Array)) return body;
    let firstFailureMs = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return { stored: false, reason: 'delivery stopped' };
      try {
        await this.sink.put(settings.bucket, key, body, { contentType: 'application/octet-stream', contentEncoding: contentEncodingOf(settings.format) });
        this.attempted(true);
        return { stored: true, key, bytes: body.length };
      } catch (err) {
        const message = (err as Error).message;
        if (err instanceof SinkClosedError) return { stored: false, reason: 'delivery stopped', reread: true };
        this.attempted(false);
        // Not the sink failing but the object it was given (a key it cannot hold): trying again cannot help.
        if (err instanceof SinkInputError) return { stored: false, reason: `${this.sink.description} cannot hold s3://${settings.bucket}/${key}: ${message}` };
        const now = this.clock.now();
        if (firstFailureMs === 0) firstFailureMs = now;
        if (now - firstFailureMs >= settings.retryMs) {
          return { stored: false, reason: `${this.sink.description} failed for ${Math.round((now - firstFailureMs) / 1000)} s (${attempt} attempts; last: ${message})` };
        }
        if (attempt === 1 || attempt % 60 === 0) this.log(`riffle: firehose ${settings.streamName}: cannot store s3://${settings.bucket}/${key} (${message}); retrying every ${FIREHOSE_S3_RETRY_MS / 1000} s`);
        if (this.stopped) return { stored: false, reason: 'delivery stopped' };
        await this.pause.for(FIREHOSE_S3_RETRY_MS);
      }
    }
  }

  /**
   * The batch compressed by the pool. The pool moves the buffer to its thread; when it is full it
   * refuses before taking it, and this waits for a free slot (that is the pool being busy, not the
   * sink failing). A compression that fails once the buffer is gone loses the records here: the
   * outcome says to read them again from the checkpoint.
   */
  private async compressed(batch: TakenBatch, settings: ObjectSettings): Promise<Uint8Array | WriteOutcome> {
    for (;;) {
      if (this.stopped) return { stored: false, reason: 'delivery stopped' };
      try {
        return await this.pool.compress(settings.format, batch.body);
      } catch (err) {
        if (err instanceof CompressPoolFullError) {
          await this.pool.whenFree();
          continue;
        }
        return { stored: false, reason: `compressing ${batch.count} record(s) as ${settings.format} failed (${(err as Error).message})`, reread: true };
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.pause.wakeUp();
  }
}
