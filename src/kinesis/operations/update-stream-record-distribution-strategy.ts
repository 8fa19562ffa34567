import type { Distribution } from '../../engine/model.js';
import { defineOperation } from '../operation.js';
import { StreamARN, StreamId } from '../shapes.js';

interface Input {
  StreamARN: string;
  RecordDistributionStrategy: Distribution;
}

/**
 * AUTO (on-demand streams): records are spread over the open shards whatever their partition keys
 * and ExplicitHashKeys; USER_PARTITION_KEY: the key decides, as always. In effect at once.
 */
export const updateStreamRecordDistributionStrategy = defineOperation<Input>({
  name: 'UpdateStreamRecordDistributionStrategy',
  members: {
    StreamARN: { ...StreamARN, required: true },
    StreamId,
    RecordDistributionStrategy: { type: 'String', required: true, enum: ['AUTO', 'USER_PARTITION_KEY'] },
  },
  run(engine, input) {
    engine.settings.setDistribution(input.StreamARN, input.RecordDistributionStrategy);
    return {};
  },
});
