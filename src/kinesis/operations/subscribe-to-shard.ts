import { parseConsumerArn } from '../../engine/consumers.js';
import { ITERATOR_TYPES, type IteratorType } from '../../engine/read-path.js';
import { formatSequenceNumber } from '../../engine/sequence-number.js';
import { AwsError } from '../../aws/errors.js';
import { FanoutHub } from '../../fanout/hub.js';
import { eventMessage, exceptionMessage } from '../../aws/event-stream.js';
import type { PushBatch } from '../../fanout/push-batch.js';
import type { PushSink } from '../../fanout/subscription.js';
import { STREAMING_BODY, type BodySink, type StreamingBody } from '../../aws/transport.js';
import { defineOperation } from '../operation.js';
import { ConsumerARN, SequenceNumber, ShardId } from '../shapes.js';

interface Input {
  ConsumerARN: string;
  ShardId: string;
  StartingPosition: { Type: IteratorType; SequenceNumber?: string; Timestamp?: number };
}

/**
 * SubscribeToShard: checks the request and starts the subscription (so AWS's errors come back as
 * ordinary HTTP errors), then answers with an event stream: initial-response, then a
 * SubscribeToShardEvent per batch of records (and every 5 s without any), until the session ends
 * after 5 minutes, or an exception event if the subscription fails.
 */
export const subscribeToShard = defineOperation<Input>({
  name: 'SubscribeToShard',
  members: {
    ConsumerARN: { ...ConsumerARN, required: true },
    ShardId: { ...ShardId, required: true },
    StartingPosition: {
      type: 'Structure',
      required: true,
      members: {
        Type: { type: 'String', required: true, enum: ITERATOR_TYPES },
        SequenceNumber,
        Timestamp: { type: 'Timestamp' },
      },
    },
  },
  async run(engine, input) {
    const parts = parseConsumerArn(input.ConsumerARN);
    if (parts === null) throw new AwsError('ResourceNotFoundException', `Consumer ${input.ConsumerARN} under account ${engine.config.accountId} not found.`);
    const stream = engine.streams.readable({ arn: parts.streamArn });
    const consumer = engine.consumers.find(stream, undefined, input.ConsumerARN);
    const shard = engine.streams.shard(stream, input.ShardId);
    const { Type, SequenceNumber: seq, Timestamp } = input.StartingPosition;
    const position = await engine.reads.resolvePosition(stream, shard, Type, seq, Timestamp, 'SubscribeToShard');
    const body = new EventStreamBody();
    body.subscription = FanoutHub.for(engine).subscribe(consumer, shard, position, body);
    return { [STREAMING_BODY]: body };
  },
});

/** The encoded SubscribeToShardEvent of a batch, kept with the batch (the same for every consumer). */
const EVENT = Symbol('SubscribeToShardEvent');

/** Event payload: the SubscribeToShardEvent shape, JSON as awsJson1_1 writes it (blobs base64, timestamps epoch seconds). */
function eventJson(batch: PushBatch): string {
  const records = batch.records().map((r) => ({
    SequenceNumber: formatSequenceNumber(batch.shard.seqPrefix, r.seq),
    ApproximateArrivalTimestamp: r.arrivalMs / 1000,
    Data: r.data.toString('base64'),
    PartitionKey: r.key,
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
class EventStreamBody implements StreamingBody, PushSink {
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
