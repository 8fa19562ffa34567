import { parseConsumerArn } from '../../engine/consumers.js';
import { ITERATOR_TYPES, type IteratorType } from '../../engine/read-path.js';
import { FanoutHub } from '../../fanout/hub.js';
import { STREAMING_BODY } from '../../aws/http.js';
import { EventStreamBody } from '../event-stream-body.js';
import { defineOperation } from '../operation.js';
import { ConsumerARN, SequenceNumber, ShardId, StreamId } from '../shapes.js';
import { consumerNotFound } from '../errors.js';

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
    StreamId,
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
    if (parts === null) throw consumerNotFound(input.ConsumerARN, engine.config.accountId);
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
