import { AwsError } from '../aws/errors.js';
import type { Shape } from '../aws/validate.js';

/**
 * What the five Channels operations (delivery of a stream to S3 or S3 Tables) share: member shapes
 * (@aws-sdk/client-kinesis 3.1143.0 models; no source gives min/max/pattern for channel members,
 * so only types, required members and enums are declared), the ChannelARN check, and the errors.
 * Riffle does not build channel delivery: every operation validates its input, then says so.
 */

/** The SDK's enums (dist-types/models/enums.d.ts), in AWS's alphabetical order. */
export const RECORD_FORMAT_TYPES = ['BYTE_ARRAY', 'GSR_JSON', 'JSON', 'STRING'] as const;
export type RecordFormatType = (typeof RECORD_FORMAT_TYPES)[number];

export const ChannelARN: Shape = { type: 'String' };
export const ChannelARNRequired: Shape = { ...ChannelARN, required: true };

/** Integer in the model; the service's range (300-900) is checked by checkDataFreshness. */
export const DataFreshnessInSeconds: Shape = { type: 'Integer' };

export const DeadLetterQueueS3Configuration: Shape = {
  type: 'Structure',
  members: {
    BucketARN: { type: 'String', required: true },
    ErrorOutputPrefix: { type: 'String' },
    ExpectedBucketOwner: { type: 'String', required: true },
  },
};

/** ChannelLoggingConfiguration (CreateChannel) and ChannelLoggingUpdateInput (UpdateChannel) have one shape. */
export const LoggingConfiguration: Shape = {
  type: 'Structure',
  members: {
    CloudWatchLogs: {
      type: 'Structure',
      required: true,
      members: {
        Enabled: { type: 'Boolean', required: true },
        LogGroupName: { type: 'String' },
        LogStreamName: { type: 'String' },
      },
    },
  },
};

export interface LoggingInput {
  CloudWatchLogs: { Enabled: boolean; LogGroupName?: string; LogStreamName?: string };
}

/** Every channel operation ends here: what the caller asked for is valid, and Riffle cannot do it. */
export function channelsNotBuilt(operation: string, outcome: string): AwsError {
  // InvalidArgumentException is modeled for all five operations, so every SDK parses it.
  return new AwsError('InvalidArgumentException', `Channels (delivery to S3 and S3 Tables) are not built in Riffle yet: ${operation} was validated but ${outcome}.`);
}

/** No channel exists in Riffle, so a well-formed ChannelARN names none. Wording unconfirmed. */
export function channelNotFound(arn: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Channel ${arn} not found.`);
}

function invalidArn(message: string): AwsError {
  return new AwsError('InvalidArgumentException', message);
}

/** Smithy's isValidHostLabel without subdomains: 1-63 letters, digits and '-', not starting or ending with '-'. */
const HOST_LABEL = /^(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * The ChannelARN checks of the SDK's endpoint ruleset (endpoint/bdd.js), in its order and with its
 * messages: `arn:aws:kinesis:<region>:<12 digits>:channel/<id>`. The SDK raises these before it
 * sends anything unless it is given an endpoint (as clients of Riffle are); what the service itself
 * answers to a malformed ChannelARN is unconfirmed, so the code is InvalidArgumentException and the
 * messages are the ruleset's. Riffle is stricter than the ruleset on the account (12 digits, as in
 * every Kinesis ARN pattern, not any host label), and its partition is always `aws`.
 */
export function checkChannelArn(arn: string): void {
  // aws.parseArn: six ':'-separated parts (the last may hold more), "arn", partition, service and resource non-empty.
  const parts = arn.split(':');
  const resource = parts.slice(5).join(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[1] === '' || parts[2] === '' || resource === '') {
    throw invalidArn('Invalid ARN: Failed to parse ARN.');
  }
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  if (!HOST_LABEL.test(account) || !ACCOUNT_ID.test(account)) throw invalidArn('Invalid ARN: Invalid account id.');
  if (!HOST_LABEL.test(region)) throw invalidArn('Invalid ARN: Invalid region.');
  if (service !== 'kinesis') throw invalidArn(`Invalid ARN: The ARN was not for the Kinesis service, found: ${service}.`);
  // The resource id is split on ':' and '/': `channel/<id>` or `channel:<id>`.
  const ids = resource.split(/[:/]/);
  const type = ids[0] as string;
  if (type === '') throw invalidArn('Invalid ARN: No ARN type specified');
  if (type !== 'channel') throw invalidArn(`Invalid ARN: ChannelARN only supports \`channel\` arn types, found: \`${type}\`.`);
  if (partition !== 'aws') throw invalidArn(`Partition: ${partition} from ARN doesn't match with partition name: aws.`);
  const id = ids[1];
  if (id === undefined) throw invalidArn('Invalid ARN: Missing channel id.');
  if (!HOST_LABEL.test(id)) throw invalidArn('Invalid ARN: Invalid channel id.');
}

/** Ruby SDK docs (S3DestinationUpdateInput): "Valid range is 300 to 900 seconds". Not a model constraint; wording unconfirmed. */
export const DATA_FRESHNESS_SECONDS_MIN = 300;
export const DATA_FRESHNESS_SECONDS_MAX = 900;

export function checkDataFreshness(seconds: number | undefined, member: string): void {
  if (seconds === undefined) return;
  if (seconds < DATA_FRESHNESS_SECONDS_MIN || seconds > DATA_FRESHNESS_SECONDS_MAX) {
    throw new AwsError(
      'InvalidArgumentException',
      `${member}.DataFreshnessInSeconds must be between ${DATA_FRESHNESS_SECONDS_MIN} and ${DATA_FRESHNESS_SECONDS_MAX} seconds, got ${seconds}.`,
    );
  }
}

/** UpdateChannel's destinations and CreateChannel's: a channel delivers to one of them. Wording unconfirmed. */
export function bothDestinations(): AwsError {
  return new AwsError('InvalidArgumentException', 'Only one of S3DestinationConfiguration and S3TablesDestinationConfiguration can be provided.');
}
