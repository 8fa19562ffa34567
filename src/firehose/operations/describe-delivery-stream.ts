import { describeDeliveryStream as describe } from '../describe-shape.js';
import { defineOperation } from '../operation.js';
import { DeliveryStreamName } from '../shapes.js';

interface Input {
  DeliveryStreamName: string;
  Limit?: number;
  ExclusiveStartDestinationId?: string;
}

export const describeDeliveryStream = defineOperation<Input>({
  name: 'DescribeDeliveryStream',
  members: {
    DeliveryStreamName: { ...DeliveryStreamName, required: true },
    Limit: { type: 'Integer', min: 1, max: 10000 },
    ExclusiveStartDestinationId: { type: 'String', min: 1, max: 100, pattern: '[a-zA-Z0-9-]+' },
  },
  run(firehose, input) {
    const d = firehose.streams.get(input.DeliveryStreamName);
    return { DeliveryStreamDescription: describe(d, input.ExclusiveStartDestinationId) };
  },
});
