import { openShards, STREAM_MODE } from '../../engine/model.js';
import { defineOperation } from '../operation.js';
import { streamDetails } from '../describe-shape.js';
import { refOf, streamRefMembers, type StreamRefInput } from '../shapes.js';

export const describeStreamSummary = defineOperation<StreamRefInput>({
  name: 'DescribeStreamSummary',
  members: { ...streamRefMembers },
  run(engine, input) {
    const stream = engine.streams.get(refOf(input));
    const warm = stream.settings.warmThroughput;
    return {
      StreamDescriptionSummary: {
        ...streamDetails(stream),
        OpenShardCount: stream.status === 'CREATING' ? 0 : openShards(stream).length,
        ConsumerCount: stream.consumers.size,
        MaxRecordSizeInKiB: stream.settings.maxRecordSizeKiB,
        // Both only for on-demand streams, as AWS shows them.
        ...(stream.mode === STREAM_MODE.ON_DEMAND ? { RecordDistributionStrategy: stream.settings.distribution } : {}),
        // AWS: "only present for On-Demand [streams] in accounts that have MinimumThroughputBillingCommitment enabled".
        ...(stream.mode === STREAM_MODE.ON_DEMAND && warm !== null && engine.account.committed
          ? { WarmThroughput: { TargetMiBps: warm.targetMiBps, CurrentMiBps: Math.min(warm.targetMiBps, (openShards(stream).length * engine.config.limits.writeBytesPerSec) / 1_048_576) } }
          : {}),
      },
    };
  },
});
