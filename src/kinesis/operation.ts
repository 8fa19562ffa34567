import type { Operation } from '../aws/operation.js';
import type { Engine } from '../engine/engine.js';

export type { Output } from '../aws/operation.js';

/** A Kinesis operation runs against the engine. */
export type KinesisOperation<I> = Operation<Engine, I>;

/** Declares an operation with its input type checked against its members' use in `run`. */
export function defineOperation<I>(op: KinesisOperation<I>): KinesisOperation<I> {
  return op;
}
