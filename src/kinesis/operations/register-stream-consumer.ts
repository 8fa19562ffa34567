import { defineOperation } from '../operation.js';
import { consumerShape } from '../consumer-shape.js';
import { ConsumerName, StreamARN, TagKey, TagValue } from '../shapes.js';

interface Input {
  StreamARN: string;
  ConsumerName: string;
  Tags?: Record<string, string>;
}

export const registerStreamConsumer = defineOperation<Input>({
  name: 'RegisterStreamConsumer',
  members: {
    StreamARN: { ...StreamARN, required: true },
    ConsumerName: { ...ConsumerName, required: true },
    Tags: { type: 'Map', min: 1, max: 50, key: TagKey, value: TagValue },
  },
  run(engine, input) {
    const stream = engine.streams.get({ arn: input.StreamARN });
    return { Consumer: consumerShape(engine.consumers.register(stream, input.ConsumerName)) };
  },
});
