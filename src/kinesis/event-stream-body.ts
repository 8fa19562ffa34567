import { eventMessage, exceptionMessage } from '../aws/event-stream.js';
import type { BodySink, StreamingBody } from '../aws/http.js';
import { formatSequenceNumber } from '../engine/sequence-number.js';
import type { PushBatch } from '../fanout/push-batch.js';
import type { PushSink } from '../fanout/subscription.js';

/**
 * SubscribeToShard's response body: AWS's event stream (aws/event-stream.ts) of an
 * initial-response, then one SubscribeToShardEvent per pushed batch, then the end or an exception
 * event. It is the subscription's sink and a StreamingBody the transports send.
 */

/** The encoded SubscribeToShardEvent of a batch, kept with the batch (the same for every consumer). */
const EVENT = Symbol('SubscribeToShardEvent');

/** Event payload: the SubscribeToShardEvent shape, JSON as awsJson1_1 writes it (blobs base64, timestamps epoch seconds). */
function eventJson(batch: PushBatch): string {
  // A closed shard's end: ChildShards and no ContinuationSequenceNumber (what KCL takes as SHARD_END).
  if (batch.childShards !== null) return JSON.stringify({ Records: [], MillisBehindLatest: 0, ChildShards: batch.childShards });
  const records = batch.records().map((r) => ({
    SequenceNumber: formatSequenceNumber(batch.shard.seqPrefix, r.seq),
    ApproximateArrivalTimestamp: r.arrivalMs / 1000,
    Data: r.data.toString('base64'),
    ...(r.key === '' ? {} : { PartitionKey: r.key }),
  }));
  // The last record pushed, or the position before the next one: AFTER_SEQUENCE_NUMBER of it
  // continues exactly here.
  const continuation = formatSequenceNumber(batch.shard.seqPrefix, batch.continuation);
  return JSON.stringify({ Records: records, ContinuationSequenceNumber: continuation, MillisBehindLatest: batch.millisBehindLatest });
}

/**
 * The subscription's sink and the response body at once. A batch pushed before the transport has
 * started is kept and push returns false, so the subscription waits; start() sends it and resumes.
 */
export class EventStreamBody implements StreamingBody, PushSink {
  subscription: { resume(): void; end(error: null): void } | null = null;
  private sink: BodySink | null = null;
  private readonly early: PushBatch[] = [];
  private closed = false;
  private endedWith: { code: string; message: string } | null | undefined;

  start(sink: BodySink): void {
    this.sink = sink;
    sink.onDrain(() => this.subscription?.resume());
    sink.onClose(() => {
      this.closed = true; // the client is gone or the body ended: nothing more is written
      this.subscription?.end(null);
    });
    sink.write(eventMessage('initial-response', '{}'));
    for (const batch of this.early.splice(0)) this.push(batch);
    if (this.endedWith !== undefined) return this.finish(this.endedWith);
    this.subscription?.resume();
  }

  push(batch: PushBatch): boolean {
    if (this.closed) return false;
    if (this.sink === null) {
      // Taken, and the subscription pauses until start(): at most one batch waits here.
      this.early.push(batch);
      return false;
    }
    return this.sink.write(batch.memo(EVENT, () => eventMessage('SubscribeToShardEvent', eventJson(batch))));
  }

  end(error: { code: string; message: string } | null): void {
    if (this.sink === null) this.endedWith = error;
    else this.finish(error);
  }

  private finish(error: { code: string; message: string } | null): void {
    if (this.closed) return;
    this.closed = true;
    const sink = this.sink as BodySink;
    if (error !== null) sink.write(exceptionMessage(error.code, error.message));
    sink.end();
  }
}
