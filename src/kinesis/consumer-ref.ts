import type { Consumer } from '../engine/model.js';
import { parseConsumerArn } from '../engine/consumers.js';
import type { Engine } from '../engine/engine.js';
import { AwsError } from '../aws/errors.js';
import { ConsumerARN, ConsumerName, StreamARN, StreamId } from './shapes.js';
import { consumerNotFound } from './errors.js';

/** DescribeStreamConsumer and DeregisterStreamConsumer name a consumer by ARN, or by stream ARN and name. */
export interface ConsumerRefInput {
  StreamARN?: string;
  ConsumerName?: string;
  ConsumerARN?: string;
}

export const consumerRefMembers = { StreamARN, ConsumerName, ConsumerARN, StreamId } as const;

export function consumerOf(engine: Engine, input: ConsumerRefInput): Consumer {
  const { StreamARN: streamArn, ConsumerName: name, ConsumerARN: arn } = input;
  if (arn === undefined && (streamArn === undefined || name === undefined)) {
    throw new AwsError('InvalidArgumentException', 'Either ConsumerARN or both StreamARN and ConsumerName must be provided.');
  }
  const parts = arn === undefined ? null : parseConsumerArn(arn);
  if (arn !== undefined && parts === null) {
    throw consumerNotFound(arn, engine.config.accountId);
  }
  if (parts !== null && streamArn !== undefined && parts.streamArn !== streamArn) {
    throw new AwsError('InvalidArgumentException', `ConsumerARN ${arn} does not belong to stream ${streamArn}.`);
  }
  const stream = engine.streams.get({ arn: parts?.streamArn ?? streamArn });
  return engine.consumers.find(stream, name, arn);
}
