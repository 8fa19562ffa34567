import { AwsError, INTERNAL_FAILURE_MESSAGE, type AwsErrorCode } from '../aws/errors.js';
import { STATUS } from '../shard/messages.js';
import type { Shard, Stream } from './model.js';

/** What a status is about, for AWS's wording. */
export interface StatusContext {
  readonly account: string;
  readonly stream: Stream;
  readonly shard: Shard;
  /** ORDERING_AHEAD only: the SequenceNumberForOrdering sent, and the call it came in. */
  readonly ordering?: { value: string; operation: string };
  /**
   * One record of a batch: PutRecords reports only ProvisionedThroughputExceededException or
   * InternalFailure per record (its API reference, PutRecordsResultEntry ErrorCode), so a shard
   * gone while the batch was on its way is an InternalFailure there.
   */
  readonly record?: boolean;
}

/** An AWS error as code and message, without an Error object (one per failed record is too many). */
export interface ErrorParts {
  readonly code: AwsErrorCode;
  readonly message: string;
}

/** InternalFailure with Kinesis's generic text, as PutRecords reports it per record. */
export const INTERNAL_FAILURE_PARTS: ErrorParts = { code: 'InternalFailure', message: INTERNAL_FAILURE_MESSAGE };
const INTERNAL = INTERNAL_FAILURE_PARTS;

/**
 * The one place a shard owner's status (shard/messages.ts STATUS) becomes the AWS error a client
 * sees, in AWS's words: whole replies (ownerError) and single records of a batch (this) alike.
 * `internalMessage` replaces the generic text of INTERNAL (a recovery report, say).
 */
export function ownerErrorParts(status: number, ctx: StatusContext, internalMessage?: string): ErrorParts {
  const { account, stream, shard } = ctx;
  switch (status) {
    case STATUS.THROTTLED:
    case STATUS.READ_THROTTLED:
      return { code: 'ProvisionedThroughputExceededException', message: throttledMessage(stream, shard, account) };
    case STATUS.SHARD_NOT_FOUND:
      if (ctx.record === true) return INTERNAL;
      return { code: 'ResourceNotFoundException', message: `Shard ${shard.shardId} in stream ${stream.name} under account ${account} does not exist` };
    case STATUS.LOST:
      return { code: 'InternalFailure', message: lostMessage(stream, shard, account) };
    case STATUS.ORDERING_AHEAD:
      return { code: 'InvalidArgumentException', message: invalidOrderingMessage(stream, ctx.ordering?.value ?? '', ctx.ordering?.operation ?? 'PutRecord', account) };
    default:
      // OK is not an error: a caller that asks for one here has a bug, which is an internal failure too.
      return internalMessage === undefined ? INTERNAL : { code: 'InternalFailure', message: internalMessage };
  }
}

/** ownerErrorParts as the error to throw. */
export function ownerError(status: number, ctx: StatusContext, internalMessage?: string): AwsError {
  const { code, message } = ownerErrorParts(status, ctx, internalMessage);
  return new AwsError(code, message);
}

function lostMessage(stream: Stream, shard: Shard, account: string): string {
  return `Shard ${shard.shardId} in stream ${stream.name} under account ${account} lost its records: the thread that held them in memory failed. Delete and re-create the stream (or run with --data-dir to keep records on disk).`;
}

function throttledMessage(stream: Stream, shard: Shard, account: string): string {
  return `Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${account}.`;
}

function invalidOrderingMessage(stream: Stream, value: string, operation: string, account: string): string {
  return `ExclusiveMinimumSequenceNumber ${value} used in ${operation} on stream ${stream.name} under account ${account} is invalid.`;
}

/** A SequenceNumberForOrdering that cannot be parsed, or names a counter the shard has not issued. */
export function invalidOrdering(stream: Stream, value: string, operation: string, account: string): AwsError {
  return new AwsError('InvalidArgumentException', invalidOrderingMessage(stream, value, operation, account));
}
