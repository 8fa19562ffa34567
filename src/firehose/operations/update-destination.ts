import { AwsError } from '../../aws/errors.js';
import type { S3ConfigInput } from '../destination.js';
import type { HttpUpdateInput } from '../http/destination.js';
import { defineOperation } from '../operation.js';
import { DeliveryStreamName, ExtendedS3DestinationUpdate, HttpEndpointDestinationUpdate, OTHER_UPDATES, S3DestinationUpdate, Unsupported } from '../shapes.js';

interface Input {
  DeliveryStreamName: string;
  CurrentDeliveryStreamVersionId: string;
  DestinationId: string;
  S3DestinationUpdate?: S3ConfigInput;
  ExtendedS3DestinationUpdate?: S3ConfigInput;
  HttpEndpointDestinationUpdate?: HttpUpdateInput;
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
  async run(firehose, input) {
    const given = ['S3DestinationUpdate', 'ExtendedS3DestinationUpdate', ...OTHER_UPDATES].filter((k) => input[k] !== undefined);
    if (given.length > 1) throw new AwsError('InvalidArgumentException', 'Exactly one destination update is supported for a Firehose');
    const http = input.HttpEndpointDestinationUpdate;
    const update = input.ExtendedS3DestinationUpdate ?? input.S3DestinationUpdate ?? (http?.S3Update as S3ConfigInput | undefined) ?? {};
    if (given.length === 1 && given[0] !== 'S3DestinationUpdate' && given[0] !== 'ExtendedS3DestinationUpdate' && given[0] !== 'HttpEndpointDestinationUpdate') {
      throw new AwsError('InvalidArgumentException', `Riffle delivers to S3 destinations and HTTP endpoints only, not ${(given[0] ?? '').replace('Update', 'Configuration')}.`);
    }
    await firehose.updateDestination(input.DeliveryStreamName, input.CurrentDeliveryStreamVersionId, input.DestinationId, update, http);
    return {};
  },
});
