import { defineOperation } from '../operation.js';
import { DeliveryStreamName, TagList, type TagInput } from '../shapes.js';
import { tagMap } from '../tags.js';

interface Input {
  DeliveryStreamName: string;
  Tags: TagInput[];
}

export const tagDeliveryStream = defineOperation<Input>({
  name: 'TagDeliveryStream',
  members: { DeliveryStreamName: { ...DeliveryStreamName, required: true }, Tags: { ...TagList, required: true } },
  run(firehose, input) {
    firehose.tag(input.DeliveryStreamName, tagMap(input.Tags));
    return {};
  },
});
