import type { Engine } from '../engine/engine.js';
import { addTagsToStream } from './add-tags-to-stream.js';
import { createStream } from './create-stream.js';
import { decreaseStreamRetentionPeriod } from './decrease-stream-retention-period.js';
import { deleteStream } from './delete-stream.js';
import { deregisterStreamConsumer } from './deregister-stream-consumer.js';
import { describeStreamConsumer } from './describe-stream-consumer.js';
import { listStreamConsumers } from './list-stream-consumers.js';
import { registerStreamConsumer } from './register-stream-consumer.js';
import { describeLimits } from './describe-limits.js';
import { describeStream } from './describe-stream.js';
import { describeStreamSummary } from './describe-stream-summary.js';
import { getRecords } from './get-records.js';
import { getShardIterator } from './get-shard-iterator.js';
import { increaseStreamRetentionPeriod } from './increase-stream-retention-period.js';
import { listShards } from './list-shards.js';
import { listStreams } from './list-streams.js';
import { listTagsForStream } from './list-tags-for-stream.js';
import { invoke, type Operation, type Output } from './operation.js';
import { putRecord } from './put-record.js';
import { putRecords } from './put-records.js';
import { removeTagsFromStream } from './remove-tags-from-stream.js';
import { subscribeToShard } from './subscribe-to-shard.js';
import { updateStreamMode } from './update-stream-mode.js';

// Each operation's own input type is checked inside its file; the registry only needs the name.
type AnyOperation = Operation<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const KINESIS_OPERATIONS: readonly AnyOperation[] = [
  addTagsToStream,
  createStream,
  decreaseStreamRetentionPeriod,
  deleteStream,
  deregisterStreamConsumer,
  describeLimits,
  describeStreamConsumer,
  describeStream,
  describeStreamSummary,
  getRecords,
  getShardIterator,
  increaseStreamRetentionPeriod,
  listShards,
  listStreamConsumers,
  listStreams,
  listTagsForStream,
  putRecord,
  putRecords,
  registerStreamConsumer,
  removeTagsFromStream,
  subscribeToShard,
  updateStreamMode,
];

/** AWS JSON 1.1 target prefix: `X-Amz-Target: Kinesis_20131202.PutRecords`. */
export const KINESIS_TARGET_PREFIX = 'Kinesis_20131202';

/** The Kinesis operations as one service the front ends dispatch to (server/types AwsService). */
export class KinesisService {
  readonly targetPrefix = KINESIS_TARGET_PREFIX;
  private readonly operations = new Map<string, AnyOperation>(KINESIS_OPERATIONS.map((op) => [op.name, op]));

  constructor(private readonly engine: Engine) {}

  has(operation: string): boolean {
    return this.operations.has(operation);
  }

  call(operation: string, input: Record<string, unknown>): Promise<Output> {
    const op = this.operations.get(operation);
    if (op === undefined) throw new Error(`unknown operation ${operation}`);
    return invoke(op, this.engine, input);
  }
}
