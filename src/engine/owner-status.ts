import { AwsError, internalFailure } from '../aws/errors.js';
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

/**
 * The one place a shard owner's status (shard/messages.ts STATUS) becomes the AWS error a client
 * sees, in AWS's words. Whole replies and single records (PutRecords' entries) both come here.
 * `internalMessage` replaces the generic text of INTERNAL (a recovery report, say).
 */
export function ownerError(status: number, ctx: StatusContext, internalMessage?: string): AwsError {
  const { account, stream, shard } = ctx;
  switch (status) {
    case STATUS.THROTTLED:
    case STATUS.READ_THROTTLED:
      return new AwsError('ProvisionedThroughputExceededException', throttledMessage(stream, shard, account));
    case STATUS.SHARD_NOT_FOUND:
      if (ctx.record === true) return internalFailure();
      return new AwsError('ResourceNotFoundException', `Shard ${shard.shardId} in stream ${stream.name} under account ${account} does not exist`);
    case STATUS.ORDERING_AHEAD:
      return invalidOrdering(stream, ctx.ordering?.value ?? '', ctx.ordering?.operation ?? 'PutRecord', account);
    default:
      // OK is not an error: a caller that asks for one here has a bug, which is an internal failure too.
      return internalMessage === undefined ? internalFailure() : new AwsError('InternalFailure', internalMessage);
  }
}

export function throttledMessage(stream: Stream, shard: Shard, account: string): string {
  return `Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${account}.`;
}

/** A SequenceNumberForOrdering that cannot be parsed, or names a counter the shard has not issued. */
export function invalidOrdering(stream: Stream, value: string, operation: string, account: string): AwsError {
  return new AwsError(
    'InvalidArgumentException',
    `ExclusiveMinimumSequenceNumber ${value} used in ${operation} on stream ${stream.name} under account ${account} is invalid.`,
  );
}
