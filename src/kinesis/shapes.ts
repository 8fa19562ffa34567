import type { Shape } from '../aws/validate.js';
import type { Engine } from '../engine/engine.js';
import { DISTRIBUTION } from '../engine/model.js';
import { PARTITION_KEY_CHARS_MAX, RECORD_BYTES_LIMIT } from '../limits.js';

/** Member shapes shared by several operations, with the constraints from the Kinesis API model. */
export const StreamName: Shape = { type: 'String', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+' };
export const StreamARN: Shape = { type: 'String', min: 1, max: 2048, pattern: 'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+' };
export const ShardId: Shape = { type: 'String', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+' };
export const SequenceNumber: Shape = { type: 'String', pattern: '0|([1-9]\\d{0,128})' };
export const PartitionKey: Shape = { type: 'String', required: true, min: 1, max: PARTITION_KEY_CHARS_MAX };
/** On a stream whose record distribution strategy is AUTO, a partition key may be left out (AWS: "PartitionKey – Optional"). */
export const OptionalPartitionKey: Shape = { ...PartitionKey, required: false };
/** The model's maximum (10 MiB, what UpdateMaxRecordSize allows); a stream's own is checked once it is known (record-size.ts). */
export const Data: Shape = { type: 'Blob', required: true, max: RECORD_BYTES_LIMIT };
export const ExplicitHashKey: Shape = { type: 'String', pattern: '0|([1-9]\\d{0,38})' };
export const HashKey: Shape = ExplicitHashKey;
export const StreamModeDetails: Shape = {
  type: 'Structure',
  members: { StreamMode: { type: 'String', required: true, enum: ['PROVISIONED', 'ON_DEMAND'] } },
};
export const ConsumerName: Shape = { type: 'String', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+' };
export const ConsumerARN: Shape = { type: 'String', min: 1, max: 2048, pattern: '^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+' };
export const TagKey: Shape = { type: 'String', min: 1, max: 128 };
export const TagValue: Shape = { type: 'String', min: 0, max: 256 };

/** "Not Implemented. Reserved for future use.": validated, then ignored (AWS names streams by name or ARN). */
export const StreamId: Shape = { type: 'String', min: 1, max: 24, pattern: '[a-z0-9]{20}-[a-z0-9]{3}' };
/** A stream's or a consumer's ARN (PutResourcePolicy, TagResource, ...). */
export const ResourceARN: Shape = { type: 'String', required: true, min: 1, max: 2048, pattern: 'arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+' };

/** The ways to name a stream on data-plane and most control-plane calls (StreamId is accepted and ignored). */
export const streamRefMembers = { StreamARN, StreamName, StreamId } as const;

export interface StreamRefInput {
  StreamName?: string;
  StreamARN?: string;
}

export function refOf(input: StreamRefInput): { name: string | undefined; arn: string | undefined } {
  return { name: input.StreamName, arn: input.StreamARN };
}

/**
 * Whether a request names (by StreamName or StreamARN, as sent) a stream whose record distribution
 * strategy is AUTO: its records need no partition key. Anything unusual is "no": the usual
 * validation then says what is wrong.
 */
export function namesAutoStream(engine: Engine, input: Record<string, unknown>): boolean {
  const name = typeof input.StreamName === 'string' ? input.StreamName : undefined;
  const arn = typeof input.StreamARN === 'string' ? input.StreamARN : undefined;
  if (name === undefined && arn === undefined) return false;
  try {
    return engine.streams.get({ name, arn }).settings.distribution === DISTRIBUTION.AUTO;
  } catch {
    return false;
  }
}
