import { defineOperation } from '../operation.js';
import { DeliveryStreamName } from '../shapes.js';

interface Input {
  DeliveryStreamName: string;
  /** Only changes anything when a customer managed key cannot be retired; Riffle has none. */
  AllowForceDelete?: boolean;
}

export const deleteDeliveryStream = defineOperation<Input>({
  name: 'DeleteDeliveryStream',
  members: { DeliveryStreamName: { ...DeliveryStreamName, required: true }, AllowForceDelete: { type: 'Boolean' } },
  run(firehose, input) {
    firehose.delete(input.DeliveryStreamName);
    return {};
  },
});
