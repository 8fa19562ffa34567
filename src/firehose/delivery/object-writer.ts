import { randomUUID } from 'node:crypto';
import { FIREHOSE_S3_RETRY_MS } from '../../limits.js';
import { contentEncodingOf, type CompressionFormat } from '../codecs/formats.js';
import { objectKey } from '../keys/object-key.js';
import type { CompiledPrefixes } from '../keys/prefix.js';
import type { ObjectSink } from '../sinks/sink.js';
import type { TakenBatch } from './batch.js';

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
}

export interface Clock {
  now(): number;
}

export type WriteOutcome = { stored: true; key: string; bytes: number } | { stored: false; reason: string };

/**
 * Makes a batch into one object and stores it: compresses it in the pool (off this thread and the
 * shard owners), names it as AWS does (`<prefix><name>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>`,
 * the time being the oldest record's arrival), and puts it into the sink, retrying every 5 s while
 * the sink fails (AWS: "Firehose retries every 5 seconds", for up to 24 hours with a DirectPut
 * source), the same key and bytes each time. `stop()` ends the retries at once.
 */
export class ObjectWriter {
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly pool: Compressor,
    private readonly sink: ObjectSink,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
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
    const firstFailureMs = { at: 0 };
    let body: Uint8Array | null = null;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return { stored: false, reason: 'delivery stopped' };
      try {
        // The pool takes the buffer it is given (moved to its thread); it refuses a full queue before
        // taking it, so a refusal leaves the records here to try again.
        if (body === null && batch.body.byteLength === 0 && batch.bytes > 0) return { stored: false, reason: 'the records were lost to a failed compression' };
        body ??= await this.pool.compress(settings.format, batch.body);
        await this.sink.put(settings.bucket, key, body, { contentType: 'application/octet-stream', contentEncoding: contentEncodingOf(settings.format) });
        return { stored: true, key, bytes: body.length };
      } catch (err) {
        const now = this.clock.now();
        if (firstFailureMs.at === 0) firstFailureMs.at = now;
        const message = (err as Error).message;
        if (now - firstFailureMs.at >= settings.retryMs) {
          return { stored: false, reason: `${this.sink.description} failed for ${Math.round((now - firstFailureMs.at) / 1000)} s (${attempt} attempts; last: ${message})` };
        }
        if (attempt === 1 || attempt % 60 === 0) this.log(`riffle: firehose ${settings.streamName}: cannot store s3://${settings.bucket}/${key} (${message}); retrying every ${FIREHOSE_S3_RETRY_MS / 1000} s`);
        await this.pause(FIREHOSE_S3_RETRY_MS);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      t.unref();
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
