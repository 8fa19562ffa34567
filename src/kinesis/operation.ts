import type { Engine } from '../engine/engine.js';
import { validateInput, type Members } from '../aws/validate.js';

export type Output = Record<string, unknown>;

/** One AWS operation: its request members (for validation) and what it does with the engine. */
export interface Operation<I = never> {
  readonly name: string;
  readonly members: Members;
  run(engine: Engine, input: I): Promise<Output> | Output;
}

export function defineOperation<I>(op: Operation<I>): Operation<I> {
  return op;
}

/** Validates the raw decoded request against the operation's members, then runs it. */
export async function invoke<I>(op: Operation<I>, engine: Engine, raw: Record<string, unknown>): Promise<Output> {
  const input = validateInput<I>(raw, op.members);
  return op.run(engine, input);
}
