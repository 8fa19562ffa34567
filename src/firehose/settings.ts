import { AwsError } from '../aws/errors.js';
import { FIREHOSE_DIRECT_PUT_RETRY_HOURS } from '../limits.js';
import { extensionOf, isCompressionFormat } from './codecs/formats.js';
import { appendsDelimiter, bucketOf } from './destination.js';
import type { DeliverySettings } from './delivery/delivery.js';
import { checkTimeZone, objectExtension, objectKey } from './keys/object-key.js';
import { compilePrefixes } from './keys/prefix.js';
import type { DeliveryStream, S3DestinationDescription } from './model.js';
import type { ObjectSink } from './sinks/sink.js';
import { transformOf } from './transform/processor.js';

const MiB = 1024 * 1024;

/** A bucket name every sink takes, to ask a sink about a key alone. */
const ANY_BUCKET = 'riffle-key-check';

/**
 * Checks what the shape pass cannot (prefix expressions, the time zone) and throws
 * InvalidArgumentException in AWS's words; CreateDeliveryStream and UpdateDestination run it
 * before they change anything. A prefix whose keys the sink could never hold (a directory cannot
 * hold an empty, `.` or `..` segment, a leading `/`, a NUL), tried on a key as delivery would make
 * it now, is refused too (InvalidArgumentException): S3 takes such keys and AWS such prefixes, but
 * accepting them here would mean acknowledging records that could only be dropped. A bucket the
 * sink could never hold (a name S3 refuses) is accepted, as AWS accepts it and fails its deliveries:
 * the returned text says so for the server log; undefined when all is well.
 */
export function checkDestination(d: S3DestinationDescription, sink: ObjectSink, streamName = 'x'): string | undefined {
  const prefixes = compilePrefixes({ prefix: d.Prefix, errorOutputPrefix: d.ErrorOutputPrefix, dynamicPartitioning: d.DynamicPartitioningConfiguration?.Enabled === true });
  const timeZone = checkTimeZone(d.CustomTimeZone);
  const format = isCompressionFormat(d.CompressionFormat) ? d.CompressionFormat : 'UNCOMPRESSED';
  const now = Date.now();
  // A partitioned prefix is tried with a key of every name it uses (their values come with the records).
  const anyKey = new Proxy({}, { get: (_t, k) => (typeof k === 'string' ? 'key' : undefined) }) as Record<string, string>;
  const key = objectKey({ prefix: prefixes.evaluate(now, timeZone, { query: anyKey, lambda: anyKey }), streamName, version: 1, timestampMs: now, timeZone, extension: objectExtension(d.FileExtension, extensionOf(format)) });
  const keyProblem = sink.problem(ANY_BUCKET, key);
  if (keyProblem !== undefined) {
    throw new AwsError(
      'InvalidArgumentException',
      `Objects like s3://${bucketOf(d)}/${key} cannot be stored where this server delivers: ${keyProblem}. Choose another Prefix${sink.holdsAnyKey === true ? '' : ', or run Riffle with --s3-endpoint to deliver to an S3-compatible server'}.`,
    );
  }
  const problem = sink.problem(bucketOf(d), key);
  return problem === undefined ? undefined : `objects like s3://${bucketOf(d)}/${key} cannot be stored at ${sink.description}: ${problem}; they will be dropped`;
}

/**
 * How a delivery stream's objects are made, from its destination as described. For an HTTP
 * endpoint destination: its buffering, the requests' settings, and the objects of its S3 backup.
 */
export function deliverySettings(ds: DeliveryStream, retryHours = FIREHOSE_DIRECT_PUT_RETRY_HOURS, functions: ReadonlyMap<string, string> = new Map()): DeliverySettings {
  const d = ds.destination;
  const transform = transformOf(ds.http !== undefined ? ds.http.ProcessingConfiguration : d.ProcessingConfiguration, functions, {
    deliveryStreamArn: ds.arn,
    region: ds.arn.split(':')[3] ?? '',
    sourceKinesisStreamArn: ds.source?.kinesisStreamArn,
    dynamicPartitioning: ds.http === undefined && d.DynamicPartitioningConfiguration?.Enabled === true,
  });
  const format = d.CompressionFormat;
  if (!isCompressionFormat(format)) throw new Error(`delivery stream ${ds.name}: unknown CompressionFormat ${format}`);
  const http = ds.http;
  const hints = http?.BufferingHints ?? d.BufferingHints;
  return {
    streamName: ds.name,
    version: ds.versionId,
    bucket: bucketOf(d),
    format,
    extension: objectExtension(d.FileExtension, extensionOf(format)),
    timeZone: checkTimeZone(d.CustomTimeZone),
    prefixes: compilePrefixes({ prefix: d.Prefix, errorOutputPrefix: d.ErrorOutputPrefix, dynamicPartitioning: d.DynamicPartitioningConfiguration?.Enabled === true }),
    retryMs: retryHours * 3_600_000,
    sizeBytes: hints.SizeInMBs * MiB,
    intervalMs: hints.IntervalInSeconds * 1000,
    delimiter: http === undefined && appendsDelimiter(d),
    keepLengths: http !== undefined,
    ...(transform === undefined ? {} : { transform }),
    ...(http === undefined && d.DynamicPartitioningConfiguration?.Enabled === true ? { partitioned: true } : {}),
    ...(http === undefined
      ? {}
      : {
          endpoint: {
            url: http.EndpointConfiguration.Url,
            streamName: ds.name,
            accessKey: http.EndpointConfiguration.AccessKey,
            sourceArn: ds.arn,
            commonAttributes: http.RequestConfiguration.CommonAttributes ?? [],
            contentEncoding: http.RequestConfiguration.ContentEncoding,
            retryMs: http.RetryOptions.DurationInSeconds * 1000,
          },
          backupAll: http.S3BackupMode === 'AllData',
        }),
  };
}
