import { FIREHOSE_DIRECT_PUT_RETRY_HOURS } from '../limits.js';
import { extensionOf, isCompressionFormat } from './codecs/formats.js';
import { appendsDelimiter, bucketOf } from './destination.js';
import type { DeliverySettings } from './delivery/delivery.js';
import { checkTimeZone, objectExtension, objectKey } from './keys/object-key.js';
import { compilePrefixes } from './keys/prefix.js';
import type { DeliveryStream, S3DestinationDescription } from './model.js';
import type { ObjectSink } from './sinks/sink.js';

const MiB = 1024 * 1024;

/**
 * Checks what the shape pass cannot (prefix expressions, the time zone) and throws
 * InvalidArgumentException in AWS's words; CreateDeliveryStream and UpdateDestination run it
 * before they change anything. Returns why the sink could never hold this destination's objects
 * (a bucket name S3 refuses, a prefix a directory cannot hold, such as an empty segment), tried on
 * a key as delivery would make it now, or undefined: AWS accepts such a destination and fails its
 * deliveries, and so does Riffle, saying so at once in the server log.
 */
export function checkDestination(d: S3DestinationDescription, sink: ObjectSink, streamName = 'x'): string | undefined {
  const prefixes = compilePrefixes({ prefix: d.Prefix, errorOutputPrefix: d.ErrorOutputPrefix, dynamicPartitioning: d.DynamicPartitioningConfiguration?.Enabled === true });
  const timeZone = checkTimeZone(d.CustomTimeZone);
  const format = isCompressionFormat(d.CompressionFormat) ? d.CompressionFormat : 'UNCOMPRESSED';
  const now = Date.now();
  const key = objectKey({ prefix: prefixes.evaluate(now, timeZone), streamName, version: 1, timestampMs: now, timeZone, extension: objectExtension(d.FileExtension, extensionOf(format)) });
  const problem = sink.problem(bucketOf(d), key);
  return problem === undefined ? undefined : `objects like s3://${bucketOf(d)}/${key} cannot be stored at ${sink.description}: ${problem}; they will be dropped`;
}

/** How a delivery stream's objects are made, from its destination as described. */
export function deliverySettings(ds: DeliveryStream, retryHours = FIREHOSE_DIRECT_PUT_RETRY_HOURS): DeliverySettings {
  const d = ds.destination;
  const format = d.CompressionFormat;
  if (!isCompressionFormat(format)) throw new Error(`delivery stream ${ds.name}: unknown CompressionFormat ${format}`);
  return {
    streamName: ds.name,
    version: ds.versionId,
    bucket: bucketOf(d),
    format,
    extension: objectExtension(d.FileExtension, extensionOf(format)),
    timeZone: checkTimeZone(d.CustomTimeZone),
    prefixes: compilePrefixes({ prefix: d.Prefix, errorOutputPrefix: d.ErrorOutputPrefix, dynamicPartitioning: d.DynamicPartitioningConfiguration?.Enabled === true }),
    retryMs: retryHours * 3_600_000,
    sizeBytes: d.BufferingHints.SizeInMBs * MiB,
    intervalMs: d.BufferingHints.IntervalInSeconds * 1000,
    delimiter: appendsDelimiter(d),
  };
}
