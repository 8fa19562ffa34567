import { AwsError } from '../aws/errors.js';
import type { ProcessingConfiguration, S3DestinationDescription } from './model.js';
import { describeProcessing, hasProcessor } from './transform/processor.js';

/**
 * A delivery stream's one destination: the S3 configuration as CreateDeliveryStream or
 * UpdateDestination gives it, made into the description DescribeDeliveryStream returns (AWS fills
 * in BufferingHints 5 MB / 300 s, UNCOMPRESSED, NoEncryption, CloudWatch logging off, S3 backup
 * Disabled: members the description requires), and the checks of what Riffle does not do.
 */

export const DEFAULT_SIZE_MBS = 5;
export const DEFAULT_INTERVAL_SECONDS = 300;

/** The S3 and ExtendedS3 configuration members as the shape pass hands them over. */
export interface S3ConfigInput {
  RoleARN?: string;
  BucketARN?: string;
  Prefix?: string;
  ErrorOutputPrefix?: string;
  BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
  CompressionFormat?: string;
  EncryptionConfiguration?: { NoEncryptionConfig?: string; KMSEncryptionConfig?: { AWSKMSKeyARN: string } };
  CloudWatchLoggingOptions?: { Enabled?: boolean; LogGroupName?: string; LogStreamName?: string };
  ProcessingConfiguration?: ProcessingConfiguration;
  S3BackupMode?: string;
  S3BackupConfiguration?: Record<string, unknown>;
  S3BackupUpdate?: Record<string, unknown>;
  DataFormatConversionConfiguration?: { Enabled?: boolean };
  DynamicPartitioningConfiguration?: { Enabled?: boolean; RetryOptions?: { DurationInSeconds?: number } };
  FileExtension?: string;
  CustomTimeZone?: string;
}

/** The processors Riffle runs (the rest are refused by name until they are built). */
const SUPPORTED_PROCESSORS = new Set(['AppendDelimiterToRecord', 'Lambda', 'MetadataExtraction']);

function unsupported(what: string): AwsError {
  return new AwsError('InvalidArgumentException', `Riffle does not support ${what} yet; its S3 destinations deliver records buffered, compressed and under prefixes, with the AppendDelimiterToRecord and Lambda processors.`);
}

/** What Riffle refuses in a destination it would otherwise accept (named, never ignored). */
function checkSupported(c: S3ConfigInput): void {
  if (c.DataFormatConversionConfiguration?.Enabled === true) throw unsupported('DataFormatConversionConfiguration (Parquet/ORC)');
  if (c.S3BackupMode === 'Enabled') throw unsupported('S3BackupMode Enabled (source record backup)');
  if (c.EncryptionConfiguration?.KMSEncryptionConfig !== undefined) throw unsupported('KMSEncryptionConfig (objects encrypted with a KMS key)');
  for (const p of c.ProcessingConfiguration?.Processors ?? []) {
    if (!SUPPORTED_PROCESSORS.has(p.Type)) throw unsupported(`the ${p.Type} processor`);
  }
}

/** Dynamic partitioning's buffers start here when BufferingHints are not given (AWS refuses less). */
const PARTITIONED_MIN_SIZE_MBS = 64;
const PARTITIONED_MIN_INTERVAL_SECONDS = 60;

/**
 * The rules AWS sets for dynamic partitioning, in its words (as observed of CreateDeliveryStream):
 * buffers of at least 64 MiB and 60 s (no zero buffering), a processor to give the keys, the one
 * each namespace in the Prefix needs; and no MetadataExtraction processor without it.
 */
function checkPartitioning(c: S3ConfigInput, size: number, interval: number): void {
  const pc = c.ProcessingConfiguration;
  if (c.DynamicPartitioningConfiguration?.Enabled !== true) {
    if (hasProcessor(pc, 'MetadataExtraction')) {
      throw new AwsError('InvalidArgumentException', 'class com.amazonaws.services.firehose.internal.model.MetadataExtractionProcessor can only be present when Dynamic Partitioning is enabled.');
    }
    return;
  }
  if (size < PARTITIONED_MIN_SIZE_MBS) throw new AwsError('InvalidArgumentException', `BufferingHints.SizeInMBs must be at least ${PARTITIONED_MIN_SIZE_MBS} when Dynamic Partitioning is enabled.`);
  if (interval < PARTITIONED_MIN_INTERVAL_SECONDS) throw new AwsError('InvalidArgumentException', `BufferingHints.IntervalInSeconds must be at least ${PARTITIONED_MIN_INTERVAL_SECONDS} seconds when Dynamic Partitioning is enabled.`);
  if (!hasProcessor(pc, 'Lambda') && !hasProcessor(pc, 'MetadataExtraction')) throw new AwsError('InvalidArgumentException', 'Processing Configuration is not enabled when DataPartitioning is enabled');
  if (c.Prefix?.includes('!{partitionKeyFromQuery:') === true && !hasProcessor(pc, 'MetadataExtraction')) {
    throw new AwsError('InvalidArgumentException', 'MetadataExtraction processor should be present when S3 Prefix has partitionKeyFromQuery namespace');
  }
  if (c.Prefix?.includes('!{partitionKeyFromLambda:') === true && !hasProcessor(pc, 'Lambda')) {
    throw new AwsError('InvalidArgumentException', 'Lambda should be present when S3 Prefix contains keys from partitionKeyFromLambda namespace');
  }
}

/** The description of a new destination (CreateDeliveryStream). */
export function describeNew(c: S3ConfigInput & { RoleARN: string; BucketARN: string }): S3DestinationDescription {
  checkSupported(c);
  const partitioned = c.DynamicPartitioningConfiguration?.Enabled === true;
  const size = c.BufferingHints?.SizeInMBs ?? (partitioned ? PARTITIONED_MIN_SIZE_MBS : DEFAULT_SIZE_MBS);
  const interval = c.BufferingHints?.IntervalInSeconds ?? DEFAULT_INTERVAL_SECONDS;
  checkPartitioning(c, size, interval);
  const d: S3DestinationDescription = {
    RoleARN: c.RoleARN,
    BucketARN: c.BucketARN,
    BufferingHints: { SizeInMBs: size, IntervalInSeconds: interval },
    CompressionFormat: c.CompressionFormat ?? 'UNCOMPRESSED',
    EncryptionConfiguration: c.EncryptionConfiguration ?? { NoEncryptionConfig: 'NoEncryption' },
    CloudWatchLoggingOptions: c.CloudWatchLoggingOptions ?? { Enabled: false },
    S3BackupMode: c.S3BackupMode ?? 'Disabled',
  };
  if (c.Prefix !== undefined) d.Prefix = c.Prefix;
  if (c.ErrorOutputPrefix !== undefined) d.ErrorOutputPrefix = c.ErrorOutputPrefix;
  if (c.ProcessingConfiguration !== undefined) d.ProcessingConfiguration = describeProcessing(c.ProcessingConfiguration, c.RoleARN);
  if (c.DataFormatConversionConfiguration !== undefined) d.DataFormatConversionConfiguration = c.DataFormatConversionConfiguration;
  if (c.DynamicPartitioningConfiguration !== undefined) d.DynamicPartitioningConfiguration = c.DynamicPartitioningConfiguration;
  if (c.FileExtension !== undefined) d.FileExtension = c.FileExtension;
  if (c.CustomTimeZone !== undefined) d.CustomTimeZone = c.CustomTimeZone;
  return d;
}

/**
 * UpdateDestination: members given replace the current ones, the rest stay (AWS: "If the
 * destination type is the same, Firehose merges the configuration parameters specified with the
 * destination configuration that already exists on the delivery stream").
 */
export function describeUpdate(current: S3DestinationDescription, u: S3ConfigInput): S3DestinationDescription {
  if (current.DynamicPartitioningConfiguration?.Enabled !== true && u.DynamicPartitioningConfiguration?.Enabled === true) {
    // "You can enable dynamic partitioning only when you create a new Firehose stream."
    throw new AwsError('InvalidArgumentException', 'Dynamic partitioning can be enabled only when the Firehose stream is created.');
  }
  if (current.DynamicPartitioningConfiguration?.Enabled === true && u.DynamicPartitioningConfiguration?.Enabled === false) {
    // "After you enable dynamic partitioning ... you cannot disable it."
    throw new AwsError('InvalidArgumentException', 'Dynamic partitioning cannot be disabled once it is enabled on a Firehose stream.');
  }
  const merged: S3ConfigInput & { RoleARN: string; BucketARN: string } = {
    ...current,
    ...u,
    RoleARN: u.RoleARN ?? current.RoleARN,
    BucketARN: u.BucketARN ?? current.BucketARN,
    BufferingHints: { ...current.BufferingHints, ...u.BufferingHints },
  };
  delete merged.S3BackupUpdate;
  return describeNew(merged);
}

/** The legacy S3DestinationDescription AWS returns beside the extended one. */
export function legacyDescription(d: S3DestinationDescription): Record<string, unknown> {
  const out: Record<string, unknown> = {
    RoleARN: d.RoleARN,
    BucketARN: d.BucketARN,
    BufferingHints: d.BufferingHints,
    CompressionFormat: d.CompressionFormat,
    EncryptionConfiguration: d.EncryptionConfiguration,
    CloudWatchLoggingOptions: d.CloudWatchLoggingOptions,
  };
  if (d.Prefix !== undefined) out.Prefix = d.Prefix;
  if (d.ErrorOutputPrefix !== undefined) out.ErrorOutputPrefix = d.ErrorOutputPrefix;
  return out;
}

/** The bucket name of `arn:aws:s3:::name`. */
export function bucketOf(d: S3DestinationDescription): string {
  return d.BucketARN.slice(d.BucketARN.indexOf(':::') + 3);
}

/** Whether records get a newline after each (the AppendDelimiterToRecord processor, with processing Enabled: true). */
export function appendsDelimiter(d: S3DestinationDescription): boolean {
  const p = d.ProcessingConfiguration;
  if (p?.Enabled !== true) return false;
  return (p.Processors ?? []).some((x) => x.Type === 'AppendDelimiterToRecord');
}
