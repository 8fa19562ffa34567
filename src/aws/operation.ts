import { AwsError } from './errors.js';
import type { AwsService } from './http.js';
import { validateInput, type Members } from './validate.js';

export type Output = Record<string, unknown>;

/**
 * One AWS operation of a service: its request members (types and constraints from the service
 * model, for validation) and what it does with the service's context (Kinesis: the engine).
 */
export interface Operation<Ctx, I = never> {
  readonly name: string;
  readonly members: Members;
  /**
   * The members to validate this request against, when they depend on what it names (Kinesis: a
   * stream with the AUTO record distribution strategy takes records without a partition key).
   * Absent: `members`.
   */
  readonly membersFor?: (ctx: Ctx, input: Record<string, unknown>) => Members;
  run(ctx: Ctx, input: I): Promise<Output> | Output;
}

// Each operation's own input type is checked inside its file; the table only needs the name.
type AnyOperation<Ctx> = Operation<Ctx, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A service as the transports see it (AwsService): its X-Amz-Target prefix and its operations by
 * name. A call validates the decoded request against the operation's members (SerializationException
 * and ValidationException in AWS's words), then runs it.
 */
export class OperationTable<Ctx> implements AwsService {
  private readonly operations: ReadonlyMap<string, AnyOperation<Ctx>>;

  constructor(
    /** e.g. 'Kinesis_20131202', 'Firehose_20150804' */
    readonly targetPrefix: string,
    operations: readonly AnyOperation<Ctx>[],
    private readonly ctx: Ctx,
  ) {
    this.operations = new Map(operations.map((op) => [op.name, op]));
    if (this.operations.size !== operations.length) throw new Error(`${targetPrefix}: two operations share a name`);
  }

  has(operation: string): boolean {
    return this.operations.has(operation);
  }

  async call(operation: string, input: Record<string, unknown>): Promise<Output> {
    const op = this.operations.get(operation);
    // The transports ask has() first; an embedder calling by name gets what AWS answers there.
    if (op === undefined) throw new AwsError('UnknownOperationException', `${this.targetPrefix} has no operation ${operation}.`);
    return op.run(this.ctx, validateInput(input, op.membersFor?.(this.ctx, input) ?? op.members));
  }
}
