import { AwsError } from '../../aws/errors.js';
import type { S3ConfigInput } from '../destination.js';
import { defineOperation } from '../operation.js';
import { DeliveryStreamName, ExtendedS3DestinationUpdate, HttpEndpointDestinationUpdate, OTHER_UPDATES, S3DestinationUpdate, Unsupported } from '../shapes.js';

interface Input {
  DeliveryStreamName: string;
  CurrentDeliveryStreamVersionId: string;
  DestinationId: string;
  S3DestinationUpdate?: S3ConfigInput;
  ExtendedS3DestinationUpdate?: S3ConfigInput;
  [other: string]: unknown;
}

export const updateDestination = defineOperation<Input>({
  name: 'UpdateDestination',
  members: {
    DeliveryStreamName: { ...DeliveryStreamName, required: true },
    CurrentDeliveryStreamVersionId: { type: 'String', required: true, min: 1, max: 50, pattern: '[0-9]+' },
    DestinationId: { type: 'String', required: true, min: 1, max: 100, pattern: '[a-zA-Z0-9-]+' },
    S3DestinationUpdate,
    ExtendedS3DestinationUpdate,
    ...Object.fromEntries(OTHER_UPDATES.map((u) => [u, Unsupported])),
    HttpEndpointDestinationUpdate,
  },
  run(firehose, input) {
    const given = ['S3DestinationUpdate', 'ExtendedS3DestinationUpdate', ...OTHER_UPDATES].filter((k) => input[k] !== undefined);
    if (given.length > 1) throw new AwsError('InvalidArgumentException', 'Exactly one destination update is supported for a Firehose');
    const update = input.ExtendedS3DestinationUpdate ?? input.S3DestinationUpdate ?? {};
    if (given.length === 1 && given[0] !== 'S3DestinationUpdate' && given[0] !== 'ExtendedS3DestinationUpdate') {
      throw new AwsError('InvalidArgumentException', `Riffle does not support ${given[0]} yet (an HTTP endpoint destination cannot be updated, nor another destination type set); delete the delivery stream and create it again.`);
    }
    firehose.updateDestination(input.DeliveryStreamName, input.CurrentDeliveryStreamVersionId, input.DestinationId, update);
    return {};
  },
});
