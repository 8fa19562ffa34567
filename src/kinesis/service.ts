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
import { deleteResourcePolicy } from './operations/delete-resource-policy.js';
import { describeAccountSettings } from './operations/describe-account-settings.js';
import { disableEnhancedMonitoring } from './operations/disable-enhanced-monitoring.js';
import { enableEnhancedMonitoring } from './operations/enable-enhanced-monitoring.js';
import { getResourcePolicy } from './operations/get-resource-policy.js';
import { listTagsForResource } from './operations/list-tags-for-resource.js';
import { putResourcePolicy } from './operations/put-resource-policy.js';
import { startStreamEncryption } from './operations/start-stream-encryption.js';
import { stopStreamEncryption } from './operations/stop-stream-encryption.js';
import { tagResource } from './operations/tag-resource.js';
import { untagResource } from './operations/untag-resource.js';
import { updateAccountSettings } from './operations/update-account-settings.js';
import { updateMaxRecordSize } from './operations/update-max-record-size.js';
import { updateStreamWarmThroughput } from './operations/update-stream-warm-throughput.js';
import { updateStreamRecordDistributionStrategy } from './operations/update-stream-record-distribution-strategy.js';

// Each operation's own input type is checked inside its file; the table only needs the name.
type AnyOperation = KinesisOperation<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every Kinesis Data Streams operation Riffle serves, one file each in operations/. */
export const KINESIS_OPERATIONS: readonly AnyOperation[] = [
  addTagsToStream,
  createChannel,
  createStream,
  decreaseStreamRetentionPeriod,
  deleteChannel,
  deleteResourcePolicy,
  deleteStream,
  deregisterStreamConsumer,
  describeAccountSettings,
  describeChannel,
  describeLimits,
  describeStream,
  describeStreamConsumer,
  describeStreamSummary,
  disableEnhancedMonitoring,
  enableEnhancedMonitoring,
  getRecords,
  getResourcePolicy,
  getShardIterator,
  increaseStreamRetentionPeriod,
  listChannels,
  listShards,
  listStreamConsumers,
  listStreams,
  listTagsForResource,
  listTagsForStream,
  mergeShards,
  putRecord,
  putRecords,
  putResourcePolicy,
  registerStreamConsumer,
  removeTagsFromStream,
  splitShard,
  startStreamEncryption,
  stopStreamEncryption,
  subscribeToShard,
  tagResource,
  untagResource,
  updateAccountSettings,
  updateChannel,
  updateMaxRecordSize,
  updateShardCount,
  updateStreamMode,
  updateStreamRecordDistributionStrategy,
  updateStreamWarmThroughput,
];

/** AWS JSON 1.1 target prefix: `X-Amz-Target: Kinesis_20131202.PutRecords`. */
export const KINESIS_TARGET_PREFIX = 'Kinesis_20131202';

/** The Kinesis operations as one service the transports dispatch to (aws/http.ts AwsService). */
export class KinesisService extends OperationTable<Engine> {
  constructor(engine: Engine) {
    super(KINESIS_TARGET_PREFIX, KINESIS_OPERATIONS, engine);
  }
}
