import { defineOperation } from '../operation.js';
import { DeliveryStreamName, DeliveryStreamType } from '../shapes.js';

interface Input {
  Limit?: number;
  DeliveryStreamType?: string;
  ExclusiveStartDeliveryStreamName?: string;
}

/** "The number of delivery streams to list. The default value is 10." */
const DEFAULT_LIMIT = 10;

export const listDeliveryStreams = defineOperation<Input>({
  name: 'ListDeliveryStreams',
  members: {
    Limit: { type: 'Integer', min: 1, max: 10000 },
    DeliveryStreamType,
    ExclusiveStartDeliveryStreamName: DeliveryStreamName,
  },
  run(firehose, input) {
    const start = input.ExclusiveStartDeliveryStreamName;
    const names = firehose.streams
      .sortedNames()
      .filter((n) => start === undefined || n > start)
      .filter((n) => input.DeliveryStreamType === undefined || firehose.streams.get(n).type === input.DeliveryStreamType);
    const limit = input.Limit ?? DEFAULT_LIMIT;
    return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
  },
});
