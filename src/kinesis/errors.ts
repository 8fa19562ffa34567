import { AwsError } from '../aws/errors.js';

/**
 * The Kinesis service's own error wording, where more than one of its files says the same thing
 * (AWS's messages, as the service returns them). The codes, statuses and retryability are in the
 * one table, aws/errors.ts; the engine words the errors it finds itself.
 */

/** A ConsumerARN that names no consumer this endpoint holds. */
export function consumerNotFound(arn: string, account: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Consumer ${arn} under account ${account} not found.`);
}

/** A NextToken that is not one this endpoint issued for this call. */
export function invalidNextToken(): AwsError {
  return new AwsError('InvalidArgumentException', 'Invalid NextToken.');
}

/** ListShards and ListStreamConsumers tokens expire (AWS: ExpiredNextTokenException). */
export function expiredNextToken(): AwsError {
  return new AwsError('ExpiredNextTokenException', 'The NextToken has expired. Request a new NextToken.');
}

/** `bytes` as AWS's size messages write it: "1 MB", "10 MB"; KB when not whole MiB (unconfirmed). */
function mb(bytes: number): string {
  return bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MB` : `${bytes / 1024} KB`;
}

/** PutRecord(s): data plus partition key over the stream's maximum record size (default 1 MiB). */
export function recordTooLarge(maxBytes = 1_048_576): AwsError {
  return new AwsError('InvalidArgumentException', `Record size (data and partition key) exceeds ${mb(maxBytes)} limit`);
}

/** PutRecords: the whole request over its limit (5 MiB; 10 MiB on a stream of large records). */
export function recordsTooLarge(maxBytes = 5 * 1_048_576): AwsError {
  return new AwsError('InvalidArgumentException', `Records size exceeds ${mb(maxBytes)} limit`);
}
