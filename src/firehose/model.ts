/**
 * What the Firehose service holds, as plain data: delivery streams, their states, their one
 * destination as described (the wire shape with AWS's defaults filled in, which is also what is
 * stored), and their source. A leaf of the service: every other firehose/ file reads these types.
 */
import type { InternalLog } from '../engine/internal-logs.js';

export const DELIVERY_STREAM_STATUS = {
  CREATING: 'CREATING',
  CREATING_FAILED: 'CREATING_FAILED',
  DELETING: 'DELETING',
  DELETING_FAILED: 'DELETING_FAILED',
  ACTIVE: 'ACTIVE',
} as const;
export type DeliveryStreamStatus = (typeof DELIVERY_STREAM_STATUS)[keyof typeof DELIVERY_STREAM_STATUS];

export const DELIVERY_STREAM_TYPE = { DIRECT_PUT: 'DirectPut', KINESIS: 'KinesisStreamAsSource' } as const;
export type DeliveryStreamType = (typeof DELIVERY_STREAM_TYPE)[keyof typeof DELIVERY_STREAM_TYPE];

/** AWS numbers a delivery stream's destinations from 1: the first (and only) one has this id. */
export const DESTINATION_ID = 'destinationId-000000000001';

/** ExtendedS3DestinationDescription as DescribeDeliveryStream returns it (defaults filled in). */
export interface S3DestinationDescription {
  RoleARN: string;
  BucketARN: string;
  Prefix?: string;
  ErrorOutputPrefix?: string;
  BufferingHints: { SizeInMBs: number; IntervalInSeconds: number };
  CompressionFormat: string;
  EncryptionConfiguration: { NoEncryptionConfig?: string; KMSEncryptionConfig?: { AWSKMSKeyARN: string } };
  CloudWatchLoggingOptions: { Enabled?: boolean; LogGroupName?: string; LogStreamName?: string };
  ProcessingConfiguration?: ProcessingConfiguration;
  S3BackupMode: string;
  S3BackupDescription?: Record<string, unknown>;
  DataFormatConversionConfiguration?: Record<string, unknown>;
  DynamicPartitioningConfiguration?: { Enabled?: boolean; RetryOptions?: { DurationInSeconds?: number } };
  FileExtension?: string;
  CustomTimeZone?: string;
}

export interface ProcessingConfiguration {
  Enabled?: boolean;
  Processors?: Array<{ Type: string; Parameters?: Array<{ ParameterName: string; ParameterValue: string }> }>;
}

/**
 * An HTTP endpoint destination (HttpEndpointDestinationConfiguration) with AWS's defaults filled
 * in. The delivery stream's `destination` is then its S3Configuration, described: where failed
 * records (and, with AllData, every record) are backed up.
 */
export interface HttpEndpointSettings {
  /** AccessKey is kept (it is sent with every request) but never described. */
  EndpointConfiguration: { Url: string; Name?: string; AccessKey?: string };
  BufferingHints: { SizeInMBs: number; IntervalInSeconds: number };
  RequestConfiguration: { ContentEncoding: 'NONE' | 'GZIP'; CommonAttributes?: Array<{ AttributeName: string; AttributeValue: string }> };
  RetryOptions: { DurationInSeconds: number };
  S3BackupMode: 'FailedDataOnly' | 'AllData';
  CloudWatchLoggingOptions: { Enabled?: boolean; LogGroupName?: string; LogStreamName?: string };
  ProcessingConfiguration?: ProcessingConfiguration;
  RoleARN?: string;
}

export interface KinesisSource {
  kinesisStreamArn: string;
  roleArn: string;
  /** When delivery started reading (LATEST at creation), ms. */
  deliveryStartMs: number;
}

export interface DeliveryStream {
  readonly name: string;
  readonly arn: string;
  readonly createdMs: number;
  readonly type: DeliveryStreamType;
  status: DeliveryStreamStatus;
  /** Starts at 1; each UpdateDestination adds 1. In every object key. */
  versionId: number;
  lastUpdateMs: number | undefined;
  destination: S3DestinationDescription;
  /** An HTTP endpoint destination; `destination` is then its S3 backup. */
  http?: HttpEndpointSettings | undefined;
  readonly tags: Map<string, string>;
  readonly source: KinesisSource | undefined;
  /** DirectPut: the internal log PutRecordBatch appends to (engine/internal-logs.ts). */
  log: InternalLog | undefined;
  /** Timers for pending state transitions, cleared when the stream goes away. */
  readonly timers: Set<NodeJS.Timeout>;
}
