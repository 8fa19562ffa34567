import { defineOperation } from '../operation.js';
import { consumerShape } from '../consumer-shape.js';
import { consumerOf, consumerRefMembers, type ConsumerRefInput } from '../consumer-ref.js';

export const describeStreamConsumer = defineOperation<ConsumerRefInput>({
  name: 'DescribeStreamConsumer',
  members: consumerRefMembers,
  run(engine, input) {
    const consumer = consumerOf(engine, input);
    return { ConsumerDescription: { ...consumerShape(consumer), StreamARN: consumer.stream.arn } };
  },
});
