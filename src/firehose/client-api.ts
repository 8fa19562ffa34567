/**
 * Typed in-process access to the Firehose operations: the AWS wire shapes (PascalCase members, as
 * the AWS SDK names them), blobs as Uint8Array, timestamps as Date. Every call goes through the
 * same validation and operation code as the HTTP endpoints.
 */
import { typedClient, type Call } from '../aws/typed-client.js';

export type DeliveryStreamStatus = 'CREATING' | 'CREATING_FAILED' | 'DELETING' | 'DELETING_FAILED' | 'ACTIVE';
export type DeliveryStreamTypeName = 'DirectPut' | 'KinesisStreamAsSource';
export type CompressionFormatName = 'UNCOMPRESSED' | 'GZIP' | 'ZIP' | 'Snappy' | 'HADOOP_SNAPPY';

export interface BufferingHints {
  SizeInMBs?: number;
  IntervalInSeconds?: number;
}

export interface ProcessingConfigurationInput {
  Enabled?: boolean;
  Processors?: Array<{ Type: string; Parameters?: Array<{ ParameterName: string; ParameterValue: string }> }>;
}

export interface ExtendedS3DestinationConfigurationInput {
  RoleARN: string;
  BucketARN: string;
  Prefix?: string;
  ErrorOutputPrefix?: string;
  BufferingHints?: BufferingHints;
  CompressionFormat?: CompressionFormatName;
  EncryptionConfiguration?: { NoEncryptionConfig?: 'NoEncryption'; KMSEncryptionConfig?: { AWSKMSKeyARN: string } };
  CloudWatchLoggingOptions?: { Enabled?: boolean; LogGroupName?: string; LogStreamName?: string };
  ProcessingConfiguration?: ProcessingConfigurationInput;
  S3BackupMode?: 'Disabled' | 'Enabled';
  FileExtension?: string;
  CustomTimeZone?: string;
}

export interface ExtendedS3DestinationDescription extends Omit<ExtendedS3DestinationConfigurationInput, 'BufferingHints' | 'CompressionFormat' | 'EncryptionConfiguration' | 'CloudWatchLoggingOptions' | 'S3BackupMode'> {
  BufferingHints: Required<BufferingHints>;
  CompressionFormat: CompressionFormatName;
  EncryptionConfiguration: { NoEncryptionConfig?: 'NoEncryption'; KMSEncryptionConfig?: { AWSKMSKeyARN: string } };
  CloudWatchLoggingOptions: { Enabled?: boolean; LogGroupName?: string; LogStreamName?: string };
  S3BackupMode: 'Disabled' | 'Enabled';
}

export interface DeliveryStreamDescription {
  DeliveryStreamName: string;
  DeliveryStreamARN: string;
  DeliveryStreamStatus: DeliveryStreamStatus;
  DeliveryStreamType: DeliveryStreamTypeName;
  DeliveryStreamEncryptionConfiguration: { Status: string };
  VersionId: string;
  CreateTimestamp: Date;
  LastUpdateTimestamp?: Date;
  Source?: { KinesisStreamSourceDescription: { KinesisStreamARN: string; RoleARN: string; DeliveryStartTimestamp: Date } };
  Destinations: Array<{ DestinationId: string; S3DestinationDescription: Record<string, unknown>; ExtendedS3DestinationDescription: ExtendedS3DestinationDescription }>;
  HasMoreDestinations: boolean;
}

export type PutRecordBatchResponseEntry = { RecordId: string } | { ErrorCode: string; ErrorMessage: string };

export interface FirehoseApi {
  createDeliveryStream(input: {
    DeliveryStreamName: string;
    DeliveryStreamType?: DeliveryStreamTypeName;
    KinesisStreamSourceConfiguration?: { KinesisStreamARN: string; RoleARN: string };
    ExtendedS3DestinationConfiguration?: ExtendedS3DestinationConfigurationInput;
    S3DestinationConfiguration?: Omit<ExtendedS3DestinationConfigurationInput, 'ProcessingConfiguration' | 'S3BackupMode' | 'FileExtension' | 'CustomTimeZone'>;
    Tags?: Array<{ Key: string; Value?: string }>;
  }): Promise<{ DeliveryStreamARN: string }>;
  describeDeliveryStream(input: { DeliveryStreamName: string; Limit?: number; ExclusiveStartDestinationId?: string }): Promise<{ DeliveryStreamDescription: DeliveryStreamDescription }>;
  listDeliveryStreams(input?: { Limit?: number; DeliveryStreamType?: DeliveryStreamTypeName; ExclusiveStartDeliveryStreamName?: string }): Promise<{
    DeliveryStreamNames: string[];
    HasMoreDeliveryStreams: boolean;
  }>;
  deleteDeliveryStream(input: { DeliveryStreamName: string; AllowForceDelete?: boolean }): Promise<Record<string, never>>;
  putRecord(input: { DeliveryStreamName: string; Record: { Data: Uint8Array } }): Promise<{ RecordId: string; Encrypted: boolean }>;
  putRecordBatch(input: { DeliveryStreamName: string; Records: Array<{ Data: Uint8Array }> }): Promise<{
    FailedPutCount: number;
    Encrypted: boolean;
    RequestResponses: PutRecordBatchResponseEntry[];
  }>;
  updateDestination(input: {
    DeliveryStreamName: string;
    CurrentDeliveryStreamVersionId: string;
    DestinationId: string;
    ExtendedS3DestinationUpdate?: Partial<ExtendedS3DestinationConfigurationInput>;
    S3DestinationUpdate?: Partial<ExtendedS3DestinationConfigurationInput>;
  }): Promise<Record<string, never>>;
  tagDeliveryStream(input: { DeliveryStreamName: string; Tags: Array<{ Key: string; Value?: string }> }): Promise<Record<string, never>>;
  untagDeliveryStream(input: { DeliveryStreamName: string; TagKeys: string[] }): Promise<Record<string, never>>;
  listTagsForDeliveryStream(input: { DeliveryStreamName: string; ExclusiveStartTagKey?: string; Limit?: number }): Promise<{
    Tags: Array<{ Key: string; Value?: string }>;
    HasMoreTags: boolean;
  }>;
}

const METHODS: Record<keyof FirehoseApi, string> = {
  createDeliveryStream: 'CreateDeliveryStream',
  describeDeliveryStream: 'DescribeDeliveryStream',
  listDeliveryStreams: 'ListDeliveryStreams',
  deleteDeliveryStream: 'DeleteDeliveryStream',
  putRecord: 'PutRecord',
  putRecordBatch: 'PutRecordBatch',
  updateDestination: 'UpdateDestination',
  tagDeliveryStream: 'TagDeliveryStream',
  untagDeliveryStream: 'UntagDeliveryStream',
  listTagsForDeliveryStream: 'ListTagsForDeliveryStream',
};

/** Builds the typed facade over `call`; the operation layer does all checking. */
export function firehoseClient(call: Call): FirehoseApi {
  return typedClient<FirehoseApi>(METHODS, call);
}
