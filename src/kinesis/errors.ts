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

/** PutRecord(s): data plus partition key over RECORD_BYTES_MAX. */
export function recordTooLarge(): AwsError {
  return new AwsError('InvalidArgumentException', 'Record size (data and partition key) exceeds 1 MB limit');
}

/** PutRecords: the whole request over PUT_RECORDS_BYTES_MAX. */
export function recordsTooLarge(): AwsError {
  return new AwsError('InvalidArgumentException', 'Records size exceeds 5 MB limit');
}
