import type { Operation } from '../aws/operation.js';
import type { Firehose } from './firehose.js';

export type { Output } from '../aws/operation.js';

/** A Firehose operation runs against the service's state (firehose.ts). */
export type FirehoseOperation<I> = Operation<Firehose, I>;

/** Declares an operation with its input type checked against its members' use in `run`. */
export function defineOperation<I>(op: FirehoseOperation<I>): FirehoseOperation<I> {
  return op;
}
