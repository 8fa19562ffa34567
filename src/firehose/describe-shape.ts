import { legacyDescription } from './destination.js';
import { describeHttp } from './http/destination.js';
import { DESTINATION_ID, type DeliveryStream } from './model.js';

/** AWS JSON timestamps are seconds; AWS describes with millisecond precision. */
const at = (ms: number): Date => new Date(ms);

/**
 * DeliveryStreamDescription as AWS returns it: every required member, the destination under both
 * ExtendedS3DestinationDescription and the legacy S3DestinationDescription (AWS describes every S3
 * destination both ways), server-side encryption DISABLED (CreateDeliveryStream refuses to turn it on).
 */
export function describeDeliveryStream(d: DeliveryStream, exclusiveStartDestinationId?: string): Record<string, unknown> {
  // An HTTP endpoint destination is described with its S3 backup inside it.
  const destination =
    d.http === undefined
      ? { DestinationId: DESTINATION_ID, S3DestinationDescription: legacyDescription(d.destination), ExtendedS3DestinationDescription: d.destination }
      : { DestinationId: DESTINATION_ID, HttpEndpointDestinationDescription: { ...describeHttp(d.http), S3DestinationDescription: legacyDescription(d.destination) } };
  const destinations = exclusiveStartDestinationId === undefined || exclusiveStartDestinationId < DESTINATION_ID ? [destination] : [];
  const out: Record<string, unknown> = {
    DeliveryStreamName: d.name,
    DeliveryStreamARN: d.arn,
    DeliveryStreamStatus: d.status,
    DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
    DeliveryStreamType: d.type,
    VersionId: String(d.versionId),
    CreateTimestamp: at(d.createdMs),
    Destinations: destinations,
    HasMoreDestinations: false,
  };
  if (d.lastUpdateMs !== undefined) out.LastUpdateTimestamp = at(d.lastUpdateMs);
  if (d.source !== undefined) {
    out.Source = {
      KinesisStreamSourceDescription: { KinesisStreamARN: d.source.kinesisStreamArn, RoleARN: d.source.roleArn, DeliveryStartTimestamp: at(d.source.deliveryStartMs) },
    };
  }
  return out;
}
