import { defineOperation } from '../operation.js';
import { DeliveryStreamName, TagKey } from '../shapes.js';

interface Input {
  DeliveryStreamName: string;
  TagKeys: string[];
}

export const untagDeliveryStream = defineOperation<Input>({
  name: 'UntagDeliveryStream',
  members: { DeliveryStreamName: { ...DeliveryStreamName, required: true }, TagKeys: { type: 'List', required: true, min: 1, max: 50, member: TagKey } },
  run(firehose, input) {
    firehose.untag(input.DeliveryStreamName, input.TagKeys);
    return {};
  },
});
