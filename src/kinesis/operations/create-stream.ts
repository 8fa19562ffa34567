import { AwsError } from '../../aws/errors.js';
import { DISTRIBUTION, STREAM_MODE, type Distribution, type StreamMode } from '../../engine/model.js';
import { WARM_THROUGHPUT_MAX_MIBPS } from '../../engine/stream-settings.js';
import { ON_DEMAND_INITIAL_SHARDS } from '../../limits.js';
import { defineOperation } from '../operation.js';
import { StreamModeDetails, StreamName, TagKey, TagValue } from '../shapes.js';
import { checkTagCharacters } from '../tags.js';

interface Input {
  ShardCount?: number;
  StreamModeDetails?: { StreamMode: StreamMode };
  StreamName: string;
  Tags?: Record<string, string>;
  WarmThroughputMiBps?: number;
  MaxRecordSizeInKiB?: number;
  RecordDistributionStrategy?: Distribution;
}

export const createStream = defineOperation<Input>({
  name: 'CreateStream',
  members: {
    ShardCount: { type: 'Integer', min: 1, max: 100000 },
    StreamModeDetails,
    StreamName: { ...StreamName, required: true },
    Tags: { type: 'Map', max: 200, key: TagKey, value: TagValue },
    WarmThroughputMiBps: { type: 'Integer', min: 0 },
    MaxRecordSizeInKiB: { type: 'Integer', min: 1024, max: 10240 },
    RecordDistributionStrategy: { type: 'String', enum: ['AUTO', 'USER_PARTITION_KEY'] },
  },
  async run(engine, input) {
    const mode = input.StreamModeDetails?.StreamMode ?? STREAM_MODE.PROVISIONED;
    const tags = input.Tags ?? {};
    checkTagCharacters(Object.keys(tags));
    checkTagCharacters(Object.values(tags));
    const onDemand = mode === STREAM_MODE.ON_DEMAND;
    // Unconfirmed wordings: AWS documents both as on-demand only, not its messages.
    if (input.RecordDistributionStrategy === DISTRIBUTION.AUTO && !onDemand) {
      throw new AwsError('InvalidArgumentException', 'The AUTO record distribution strategy is only supported for on-demand streams.');
    }
    let shardCount = input.ShardCount;
    const warm = input.WarmThroughputMiBps;
    if (warm !== undefined) {
      if (!onDemand) throw new AwsError('InvalidArgumentException', 'WarmThroughputMiBps is only supported for on-demand streams.');
      if (!engine.account.committed) throw new AwsError('InvalidArgumentException', "Warm throughput requires the account's minimum throughput billing commitment (UpdateAccountSettings) to be enabled.");
      if (warm > WARM_THROUGHPUT_MAX_MIBPS) throw new AwsError('LimitExceededException', `WarmThroughputMiBps ${warm} is over the limit of ${WARM_THROUGHPUT_MAX_MIBPS} MiBps for an on-demand stream.`);
      // Warm from the start: as many shards as the target needs (at least the 4 every on-demand stream has).
      shardCount = Math.max(ON_DEMAND_INITIAL_SHARDS, Math.ceil((warm * 1_048_576) / engine.config.limits.writeBytesPerSec));
    }
    await engine.lifecycle.create(input.StreamName, shardCount, mode, tags, {
      ...(input.MaxRecordSizeInKiB === undefined ? {} : { maxRecordSizeKiB: input.MaxRecordSizeInKiB }),
      ...(input.RecordDistributionStrategy === undefined ? {} : { distribution: input.RecordDistributionStrategy }),
      ...(warm === undefined ? {} : { warmThroughput: { targetMiBps: warm, currentMiBps: warm } }),
    });
    return {};
  },
});
