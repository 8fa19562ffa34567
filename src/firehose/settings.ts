import { FIREHOSE_DIRECT_PUT_RETRY_HOURS } from '../limits.js';
import { extensionOf, isCompressionFormat } from './codecs/formats.js';
import { appendsDelimiter, bucketOf } from './destination.js';
import type { DeliverySettings } from './delivery/delivery.js';
import { checkTimeZone, objectExtension } from './keys/object-key.js';
import { compilePrefixes } from './keys/prefix.js';
import type { DeliveryStream, S3DestinationDescription } from './model.js';

const MiB = 1024 * 1024;

/**
 * Checks what the shape pass cannot (prefix expressions, the time zone) and
 * throws InvalidArgumentException in AWS's words; CreateDeliveryStream and UpdateDestination run
 * it before they change anything.
 */
export function checkDestination(d: S3DestinationDescription): void {
  compilePrefixes({ prefix: d.Prefix, errorOutputPrefix: d.ErrorOutputPrefix, dynamicPartitioning: d.DynamicPartitioningConfiguration?.Enabled === true });
  checkTimeZone(d.CustomTimeZone);
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
