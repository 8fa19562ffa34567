import type { TakenBatch } from '../delivery/batch.js';
import type { DeliverySettings, DeliveryWriter } from '../delivery/delivery.js';
import type { Clock, ObjectWriter, WriteOutcome } from '../delivery/object-writer.js';
import { EndpointWriter, type EndpointWriterSettings, type FailedRun } from './endpoint-writer.js';

/**
 * A delivery stream's HTTP endpoint destination: each batch goes to the endpoint
 * (endpoint-writer.ts); the records it did not take within the retry window are written to the S3
 * backup as error records under the error prefix (error output type http-endpoint-failed), and
 * with S3BackupMode AllData every record is backed up too, as delivered. The batch counts as done
 * (its checkpoint is written) once all of that is stored: a crash before then delivers it again.
 */
export class HttpDeliveryWriter implements DeliveryWriter {
  private endpoint: { settings: EndpointWriterSettings; writer: EndpointWriter } | null = null;
  private stopped = false;

  constructor(
    private readonly objects: ObjectWriter,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
    private readonly attempted: (delivered: boolean) => void,
  ) {}

  async write(batch: TakenBatch, settings: DeliverySettings): Promise<WriteOutcome> {
    try {
      return await this.deliver(batch, settings);
    } catch (err) {
      // A bug, not the endpoint failing: the batch is read again from the last checkpoint.
      return { stored: false, reason: `the HTTP endpoint delivery failed (${(err as Error).message})`, reread: true };
    }
  }

  private async deliver(batch: TakenBatch, settings: DeliverySettings): Promise<WriteOutcome> {
    const endpoint = this.writerFor(settings);
    const out = await endpoint.write(batch);
    if (out.stopped || this.stopped) return { stored: false, reason: 'delivery stopped' };
    let deliveredBytes = batch.bytes;
    for (const run of [...out.failed, ...out.refused]) for (let i = run.first; i < run.first + run.count; i++) deliveredBytes -= batch.lengths![i]!;
    for (const run of out.refused) this.log(`riffle: firehose ${settings.streamName}: ${run.count} record(s) refused for good by ${settings.endpoint!.url} (${run.errorMessage}); as AWS does, they are neither retried nor backed up`);
    // Read from the body before the backups hand it to the compression pool (which takes it).
    const failed = out.failed.length === 0 ? null : errorObject(batch, out.failed);
    if (failed !== null) {
      const stored = await this.objects.write(failed, { ...settings, prefixes: { ...settings.prefixes, evaluate: (t, zone) => settings.prefixes.evaluateError(t, zone, 'http-endpoint-failed') } });
      if (!stored.stored) return stored;
      this.log(`riffle: firehose ${settings.streamName}: ${failed.count} record(s) the endpoint did not take are in the S3 backup, s3://${settings.bucket}/${stored.key}`);
    }
    if (settings.backupAll === true) {
      const stored = await this.objects.write(batch, settings);
      if (!stored.stored) return stored;
    }
    return { stored: true, key: '', bytes: batch.bytes, deliveredRecords: out.delivered, deliveredBytes };
  }

  private writerFor(settings: DeliverySettings): EndpointWriter {
    const wanted = settings.endpoint;
    if (wanted === undefined) throw new Error(`delivery stream ${settings.streamName} has no HTTP endpoint`);
    if (this.endpoint === null || JSON.stringify(this.endpoint.settings) !== JSON.stringify(wanted)) {
      this.endpoint?.writer.stop();
      this.endpoint = { settings: wanted, writer: new EndpointWriter(wanted, this.clock, this.log, (ok) => this.attempted(ok)) };
    }
    return this.endpoint.writer;
  }

  stop(): void {
    this.stopped = true;
    this.endpoint?.writer.stop();
    this.objects.stop();
  }
}

/**
 * The error records of what an endpoint did not take, one JSON document per line, as AWS writes
 * them to the backup (awsdocs basic-deliver: attemptsMade, arrivalTimestamp, errorCode,
 * errorMessage, attemptEndingTimestamp, rawData, subsequenceNumber). A batch does not keep each
 * record's arrival: its oldest is given for all.
 */
function errorObject(batch: TakenBatch, runs: readonly FailedRun[]): TakenBatch {
  const lengths = batch.lengths!;
  const starts = new Array<number>(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    starts[i] = at;
    at += lengths[i]!;
  }
  const lines: string[] = [];
  for (const run of runs) {
    for (let i = run.first; i < run.first + run.count; i++) {
      const data = Buffer.from(batch.body.buffer, batch.body.byteOffset + starts[i]!, lengths[i]!);
      lines.push(
        JSON.stringify({
          attemptsMade: run.attempts,
          arrivalTimestamp: batch.oldestArrivalMs,
          errorCode: run.errorCode,
          errorMessage: run.errorMessage,
          attemptEndingTimestamp: run.endedMs,
          rawData: data.toString('base64'),
          subsequenceNumber: 0,
        }),
      );
    }
  }
  const body = new Uint8Array(Buffer.from(`${lines.join('\n')}\n`));
  return { body, bytes: body.length, count: lines.length, oldestArrivalMs: batch.oldestArrivalMs, newestArrivalMs: batch.newestArrivalMs, positions: batch.positions };
}
