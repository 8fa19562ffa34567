import { defineOperation } from '../operation.js';
import { DeliveryStreamName, TagKey } from '../shapes.js';

interface Input {
  DeliveryStreamName: string;
  ExclusiveStartTagKey?: string;
  Limit?: number;
}

/** "The number of tags to return. If this number is less than the total number of tags ... the default value is 50." */
const DEFAULT_LIMIT = 50;

export const listTagsForDeliveryStream = defineOperation<Input>({
  name: 'ListTagsForDeliveryStream',
  members: { DeliveryStreamName: { ...DeliveryStreamName, required: true }, ExclusiveStartTagKey: TagKey, Limit: { type: 'Integer', min: 1, max: 50 } },
  run(firehose, input) {
    const d = firehose.streams.get(input.DeliveryStreamName);
    const start = input.ExclusiveStartTagKey;
    const keys = [...d.tags.keys()].sort().filter((k) => start === undefined || k > start);
    const limit = input.Limit ?? DEFAULT_LIMIT;
    return { Tags: keys.slice(0, limit).map((Key) => ({ Key, Value: d.tags.get(Key) })), HasMoreTags: keys.length > limit };
  },
});
