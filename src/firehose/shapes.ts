import type { Members, Shape } from '../aws/validate.js';
import { FIREHOSE_BATCH_RECORDS_MAX, FIREHOSE_RECORD_BYTES_MAX } from '../limits.js';

/**
 * Member shapes of the Firehose operations, with the constraints of the service model
 * (botocore's firehose 2015-08-04 service-2.json, 2026: the npm aws-sdk v2 model carries no
 * constraints). Destinations Riffle does not deliver to are declared without members: they are
 * accepted by the shape pass and refused by name in destination.ts.
 */
export const DeliveryStreamName: Shape = { type: 'String', min: 1, max: 64, pattern: '[a-zA-Z0-9_.-]+' };
export const DeliveryStreamType: Shape = { type: 'String', enum: ['DirectPut', 'KinesisStreamAsSource', 'MSKAsSource', 'DatabaseAsSource'] };
const RoleARN: Shape = { type: 'String', min: 1, max: 512, pattern: 'arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+' };
const BucketARN: Shape = { type: 'String', min: 1, max: 2048, pattern: 'arn:.*:s3:::[\\w\\.\\-]{1,255}' };
const Prefix: Shape = { type: 'String', min: 0, max: 1024, pattern: '.*' };
const KMSKeyARN: Shape = { type: 'String', min: 1, max: 512, pattern: 'arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+' };
export const KinesisStreamARN: Shape = { type: 'String', min: 1, max: 512, pattern: 'arn:.*:kinesis:[a-zA-Z0-9\\-]+:\\d{12}:stream/[a-zA-Z0-9_.-]+' };

const BufferingHints: Shape = {
  type: 'Structure',
  members: { SizeInMBs: { type: 'Integer', min: 1, max: 128 }, IntervalInSeconds: { type: 'Integer', min: 0, max: 900 } },
};
export const COMPRESSION_FORMAT_ENUM = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const;
const CompressionFormat: Shape = { type: 'String', enum: COMPRESSION_FORMAT_ENUM };
const EncryptionConfiguration: Shape = {
  type: 'Structure',
  members: {
    NoEncryptionConfig: { type: 'String', enum: ['NoEncryption'] },
    KMSEncryptionConfig: { type: 'Structure', members: { AWSKMSKeyARN: { ...KMSKeyARN, required: true } } },
  },
};
const CloudWatchLoggingOptions: Shape = {
  type: 'Structure',
  members: {
    Enabled: { type: 'Boolean' },
    LogGroupName: { type: 'String', min: 0, max: 512, pattern: '[\\.\\-_/#A-Za-z0-9]*' },
    LogStreamName: { type: 'String', min: 0, max: 512, pattern: '[^:*]*' },
  },
};
export const PROCESSOR_TYPES = ['RecordDeAggregation', 'Decompression', 'CloudWatchLogProcessing', 'Lambda', 'MetadataExtraction', 'AppendDelimiterToRecord'] as const;
const PARAMETER_NAMES = ['LambdaArn', 'NumberOfRetries', 'MetadataExtractionQuery', 'JsonParsingEngine', 'RoleArn', 'BufferSizeInMBs', 'BufferIntervalInSeconds', 'SubRecordType', 'Delimiter', 'CompressionFormat', 'DataMessageExtraction'];
const ProcessingConfiguration: Shape = {
  type: 'Structure',
  members: {
    Enabled: { type: 'Boolean' },
    Processors: {
      type: 'List',
      member: {
        type: 'Structure',
        members: {
          Type: { type: 'String', required: true, enum: PROCESSOR_TYPES },
          Parameters: {
            type: 'List',
            member: {
              type: 'Structure',
              members: {
                ParameterName: { type: 'String', required: true, enum: PARAMETER_NAMES },
                ParameterValue: { type: 'String', required: true, min: 1, max: 5120, pattern: '^(?!\\s*$).+' },
              },
            },
          },
        },
      },
    },
  },
};
const DynamicPartitioningConfiguration: Shape = {
  type: 'Structure',
  members: { RetryOptions: { type: 'Structure', members: { DurationInSeconds: { type: 'Integer', min: 0, max: 7200 } } }, Enabled: { type: 'Boolean' } },
};
/** Accepted as a structure; Riffle has no format conversion (refused in destination.ts when enabled). */
const Opaque: Shape = { type: 'Structure', members: { Enabled: { type: 'Boolean' } } };
const FileExtension: Shape = { type: 'String', min: 0, max: 128, pattern: "^$|\\.[0-9a-z!\\-_.*'()]+" };
const CustomTimeZone: Shape = { type: 'String', min: 0, max: 50, pattern: '^$|[a-zA-Z/_]+' };

/** S3DestinationConfiguration (the deprecated plain S3 destination); also S3BackupConfiguration. */
const s3Members = (required: boolean): Members => ({
  RoleARN: { ...RoleARN, required },
  BucketARN: { ...BucketARN, required },
  Prefix,
  ErrorOutputPrefix: Prefix,
  BufferingHints,
  CompressionFormat,
  EncryptionConfiguration,
  CloudWatchLoggingOptions,
});
export const S3DestinationConfiguration: Shape = { type: 'Structure', members: s3Members(true) };
export const S3DestinationUpdate: Shape = { type: 'Structure', members: s3Members(false) };

const extendedMembers = (required: boolean): Members => ({
  ...s3Members(required),
  ProcessingConfiguration,
  S3BackupMode: { type: 'String', enum: ['Disabled', 'Enabled'] },
  [required ? 'S3BackupConfiguration' : 'S3BackupUpdate']: required ? S3DestinationConfiguration : S3DestinationUpdate,
  DataFormatConversionConfiguration: Opaque,
  DynamicPartitioningConfiguration,
  FileExtension,
  CustomTimeZone,
});
export const ExtendedS3DestinationConfiguration: Shape = { type: 'Structure', members: extendedMembers(true) };
export const ExtendedS3DestinationUpdate: Shape = { type: 'Structure', members: extendedMembers(false) };

/**
 * HttpEndpointDestinationConfiguration / Update, with the model's constraints but for the URL: the
 * model takes `https://.*` only; Riffle also takes http:// (local receivers are mostly plain HTTP).
 */
const httpMembers = (required: boolean): Members => ({
  EndpointConfiguration: {
    type: 'Structure',
    required,
    members: {
      Url: { type: 'String', required: true, min: 1, max: 1000, pattern: 'https?://.*' },
      Name: { type: 'String', min: 1, max: 256, pattern: '^(?!\\s*$).+' },
      AccessKey: { type: 'String', min: 0, max: 4096, pattern: '.*' },
    },
  },
  BufferingHints: { type: 'Structure', members: { SizeInMBs: { type: 'Integer', min: 1, max: 64 }, IntervalInSeconds: { type: 'Integer', min: 0, max: 900 } } },
  CloudWatchLoggingOptions,
  RequestConfiguration: {
    type: 'Structure',
    members: {
      ContentEncoding: { type: 'String', enum: ['NONE', 'GZIP'] },
      CommonAttributes: {
        type: 'List',
        min: 0,
        max: 50,
        member: {
          type: 'Structure',
          members: {
            AttributeName: { type: 'String', required: true, min: 1, max: 256, pattern: '^(?!\\s*$).+' },
            AttributeValue: { type: 'String', required: true, min: 0, max: 1024, pattern: '.*' },
          },
        },
      },
    },
  },
  ProcessingConfiguration,
  RoleARN,
  RetryOptions: { type: 'Structure', members: { DurationInSeconds: { type: 'Integer', min: 0, max: 7200 } } },
  S3BackupMode: { type: 'String', enum: ['FailedDataOnly', 'AllData'] },
  [required ? 'S3Configuration' : 'S3Update']: required ? { ...S3DestinationConfiguration, required: true } : S3DestinationUpdate,
  SecretsManagerConfiguration: Opaque,
});
export const HttpEndpointDestinationConfiguration: Shape = { type: 'Structure', members: httpMembers(true) };
export const HttpEndpointDestinationUpdate: Shape = { type: 'Structure', members: httpMembers(false) };

/** The destinations Riffle does not deliver to, by their configuration member (refused by name). */
export const OTHER_DESTINATIONS = [
  'RedshiftDestinationConfiguration',
  'ElasticsearchDestinationConfiguration',
  'AmazonopensearchserviceDestinationConfiguration',
  'SplunkDestinationConfiguration',
  'HttpEndpointDestinationConfiguration',
  'AmazonOpenSearchServerlessDestinationConfiguration',
  'SnowflakeDestinationConfiguration',
  'IcebergDestinationConfiguration',
] as const;
export const OTHER_UPDATES = OTHER_DESTINATIONS.map((d) => d.replace('Configuration', 'Update'));
export const Unsupported: Shape = { type: 'Structure', members: {} };

export const TagKey: Shape = { type: 'String', min: 1, max: 128, pattern: '^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$' };
const TagValue: Shape = { type: 'String', min: 0, max: 256, pattern: '^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$' };
export const TagList: Shape = {
  type: 'List',
  min: 1,
  max: 50,
  member: { type: 'Structure', members: { Key: { ...TagKey, required: true }, Value: TagValue } },
};

export const FirehoseRecord: Shape = {
  type: 'Structure',
  required: true,
  members: { Data: { type: 'Blob', required: true, max: FIREHOSE_RECORD_BYTES_MAX } },
};
export const RecordList: Shape = { type: 'List', required: true, min: 1, max: FIREHOSE_BATCH_RECORDS_MAX, member: FirehoseRecord };

export interface TagInput {
  Key: string;
  Value?: string;
}
