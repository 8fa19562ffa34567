import { AwsError } from '../../aws/errors.js';
import type { Members } from '../../aws/validate.js';
import type { S3ConfigInput } from '../destination.js';
import type { HttpConfigInput } from '../http/destination.js';
import { DELIVERY_STREAM_TYPE, type DeliveryStreamType } from '../model.js';
import { defineOperation } from '../operation.js';
import { DeliveryStreamName, DeliveryStreamType as DeliveryStreamTypeShape, ExtendedS3DestinationConfiguration, HttpEndpointDestinationConfiguration, KinesisStreamARN, OTHER_DESTINATIONS, S3DestinationConfiguration, TagList, Unsupported, type TagInput } from '../shapes.js';
import { tagMap } from '../tags.js';

type S3Config = S3ConfigInput & { RoleARN: string; BucketARN: string };

interface Input {
  DeliveryStreamName: string;
  DeliveryStreamType?: string;
  KinesisStreamSourceConfiguration?: { KinesisStreamARN: string; RoleARN: string };
  DeliveryStreamEncryptionConfigurationInput?: { KeyType: string; KeyARN?: string };
  S3DestinationConfiguration?: S3Config;
  ExtendedS3DestinationConfiguration?: S3Config;
  HttpEndpointDestinationConfiguration?: HttpConfigInput;
  Tags?: TagInput[];
  [other: string]: unknown;
}

const RoleARN = { type: 'String', required: true, min: 1, max: 512, pattern: 'arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+' } as const;

const members: Members = {
  DeliveryStreamName: { ...DeliveryStreamName, required: true },
  DeliveryStreamType: DeliveryStreamTypeShape,
  DirectPutSourceConfiguration: { type: 'Structure', members: { ThroughputHintInMBs: { type: 'Integer', required: true, min: 1, max: 100 } } },
  KinesisStreamSourceConfiguration: { type: 'Structure', members: { KinesisStreamARN: { ...KinesisStreamARN, required: true }, RoleARN } },
  DeliveryStreamEncryptionConfigurationInput: {
    type: 'Structure',
    members: {
      KeyARN: { type: 'String', min: 1, max: 512, pattern: 'arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+' },
      KeyType: { type: 'String', required: true, enum: ['AWS_OWNED_CMK', 'CUSTOMER_MANAGED_CMK'] },
    },
  },
  S3DestinationConfiguration,
  ExtendedS3DestinationConfiguration,
  ...Object.fromEntries(OTHER_DESTINATIONS.map((d) => [d, Unsupported])),
  HttpEndpointDestinationConfiguration,
  Tags: TagList,
  MSKSourceConfiguration: Unsupported,
  DatabaseSourceConfiguration: Unsupported,
};

export const createDeliveryStream = defineOperation<Input>({
  name: 'CreateDeliveryStream',
  members,
  async run(firehose, input) {
    const given = ['S3DestinationConfiguration', 'ExtendedS3DestinationConfiguration', ...OTHER_DESTINATIONS].filter((k) => input[k] !== undefined);
    // As AWS answers a request with none, or with two (observed: Floci's notes on real AWS).
    if (given.length !== 1) throw new AwsError('InvalidArgumentException', 'Exactly one destination configuration is supported for a Firehose');
    const http = input.HttpEndpointDestinationConfiguration;
    const destination = input.ExtendedS3DestinationConfiguration ?? input.S3DestinationConfiguration ?? (http?.S3Configuration as S3Config | undefined);
    if (destination === undefined) {
      throw new AwsError('InvalidArgumentException', `Riffle delivers to S3 destinations and HTTP endpoints only (ExtendedS3DestinationConfiguration, S3DestinationConfiguration, HttpEndpointDestinationConfiguration), not ${given[0]}.`);
    }
    const type = (input.DeliveryStreamType ?? DELIVERY_STREAM_TYPE.DIRECT_PUT) as DeliveryStreamType | 'MSKAsSource' | 'DatabaseAsSource';
    if (type === 'MSKAsSource' || type === 'DatabaseAsSource') throw new AwsError('InvalidArgumentException', `Riffle does not support DeliveryStreamType ${type}.`);
    const source = input.KinesisStreamSourceConfiguration;
    if (type === DELIVERY_STREAM_TYPE.KINESIS && source === undefined) {
      throw new AwsError('InvalidArgumentException', 'KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource.');
    }
    if (type === DELIVERY_STREAM_TYPE.DIRECT_PUT && source !== undefined) {
      throw new AwsError('InvalidArgumentException', 'KinesisStreamSourceConfiguration is allowed only when DeliveryStreamType is KinesisStreamAsSource.');
    }
    if (input.DeliveryStreamEncryptionConfigurationInput !== undefined) {
      throw new AwsError('InvalidArgumentException', 'Riffle does not support server-side encryption of delivery streams (DeliveryStreamEncryptionConfigurationInput) yet.');
    }
    const d = await firehose.create({ name: input.DeliveryStreamName, type, destination, http, source, tags: tagMap(input.Tags ?? []) });
    return { DeliveryStreamARN: d.arn };
  },
});
