import { OperationTable } from '../aws/operation.js';
import type { Engine } from '../engine/engine.js';
import type { KinesisOperation } from './operation.js';
import { addTagsToStream } from './operations/add-tags-to-stream.js';
import { createChannel } from './operations/create-channel.js';
import { createStream } from './operations/create-stream.js';
import { decreaseStreamRetentionPeriod } from './operations/decrease-stream-retention-period.js';
import { deleteChannel } from './operations/delete-channel.js';
import { deleteStream } from './operations/delete-stream.js';
import { deregisterStreamConsumer } from './operations/deregister-stream-consumer.js';
import { describeStreamConsumer } from './operations/describe-stream-consumer.js';
import { listStreamConsumers } from './operations/list-stream-consumers.js';
import { registerStreamConsumer } from './operations/register-stream-consumer.js';
import { describeChannel } from './operations/describe-channel.js';
import { describeLimits } from './operations/describe-limits.js';
import { describeStream } from './operations/describe-stream.js';
import { describeStreamSummary } from './operations/describe-stream-summary.js';
import { getRecords } from './operations/get-records.js';
import { getShardIterator } from './operations/get-shard-iterator.js';
import { increaseStreamRetentionPeriod } from './operations/increase-stream-retention-period.js';
import { listChannels } from './operations/list-channels.js';
import { listShards } from './operations/list-shards.js';
import { listStreams } from './operations/list-streams.js';
import { mergeShards } from './operations/merge-shards.js';
import { listTagsForStream } from './operations/list-tags-for-stream.js';
import { putRecord } from './operations/put-record.js';
import { putRecords } from './operations/put-records.js';
import { removeTagsFromStream } from './operations/remove-tags-from-stream.js';
import { splitShard } from './operations/split-shard.js';
import { subscribeToShard } from './operations/subscribe-to-shard.js';
import { updateChannel } from './operations/update-channel.js';
import { updateShardCount } from './operations/update-shard-count.js';
import { updateStreamMode } from './operations/update-stream-mode.js';

// Each operation's own input type is checked inside its file; the table only needs the name.
type AnyOperation = KinesisOperation<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every Kinesis Data Streams operation Riffle serves, one file each in operations/. */
export const KINESIS_OPERATIONS: readonly AnyOperation[] = [
  addTagsToStream,
  createChannel,
  createStream,
  decreaseStreamRetentionPeriod,
  deleteChannel,
  deleteStream,
  deregisterStreamConsumer,
  describeChannel,
  describeLimits,
  describeStreamConsumer,
  describeStream,
  describeStreamSummary,
  getRecords,
  getShardIterator,
  increaseStreamRetentionPeriod,
  listChannels,
  listShards,
  listStreamConsumers,
  listStreams,
  listTagsForStream,
  mergeShards,
  putRecord,
  putRecords,
  registerStreamConsumer,
  removeTagsFromStream,
  splitShard,
  subscribeToShard,
  updateChannel,
  updateShardCount,
  updateStreamMode,
];

/** AWS JSON 1.1 target prefix: `X-Amz-Target: Kinesis_20131202.PutRecords`. */
export const KINESIS_TARGET_PREFIX = 'Kinesis_20131202';

/** The Kinesis operations as one service the transports dispatch to (aws/http.ts AwsService). */
export class KinesisService extends OperationTable<Engine> {
  constructor(engine: Engine) {
    super(KINESIS_TARGET_PREFIX, KINESIS_OPERATIONS, engine);
  }
}
