import { defineOperation } from '../operation.js';
import { consumerShape } from '../consumer-shape.js';
import { checkTagCharacters } from '../tags.js';
import { ConsumerName, StreamARN, TagKey, TagValue, StreamId } from '../shapes.js';

interface Input {
  StreamARN: string;
  ConsumerName: string;
  Tags?: Record<string, string>;
}

export const registerStreamConsumer = defineOperation<Input>({
  name: 'RegisterStreamConsumer',
  members: {
    StreamId,
    StreamARN: { ...StreamARN, required: true },
    ConsumerName: { ...ConsumerName, required: true },
    Tags: { type: 'Map', min: 1, max: 50, key: TagKey, value: TagValue },
  },
  run(engine, input) {
    const stream = engine.streams.get({ arn: input.StreamARN });
    const tags = input.Tags ?? {};
    checkTagCharacters(Object.keys(tags));
    checkTagCharacters(Object.values(tags));
    return { Consumer: consumerShape(engine.consumers.register(stream, input.ConsumerName, tags)) };
  },
});
