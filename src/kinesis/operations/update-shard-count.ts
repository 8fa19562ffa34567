import { defineOperation } from '../operation.js';
import { refOf, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  TargetShardCount: number;
  ScalingType: 'UNIFORM_SCALING';
}

/**
 * UpdateShardCount with UNIFORM_SCALING: splits and merges that end with TargetShardCount open
 * shards of even hash key ranges, within AWS's limits (engine/reshard.ts).
 */
export const updateShardCount = defineOperation<Input>({
  name: 'UpdateShardCount',
  members: {
    ...streamRefMembers,
    TargetShardCount: { type: 'Integer', required: true, min: 1 },
    ScalingType: { type: 'String', required: true, enum: ['UNIFORM_SCALING'] },
  },
  async run(engine, input) {
    const ref = refOf(input);
    const current = await engine.reshards.updateShardCount(ref, input.TargetShardCount);
    const stream = engine.streams.get(ref);
    return { StreamName: stream.name, StreamARN: stream.arn, CurrentShardCount: current, TargetShardCount: input.TargetShardCount };
  },
});
