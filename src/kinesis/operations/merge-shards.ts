import { defineOperation } from '../operation.js';
import { refOf, ShardId, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  ShardToMerge: string;
  AdjacentShardToMerge: string;
}

/** MergeShards: two adjacent shards close and one child takes both ranges (engine/reshard.ts). */
export const mergeShards = defineOperation<Input>({
  name: 'MergeShards',
  members: {
    ...streamRefMembers,
    ShardToMerge: { ...ShardId, required: true },
    AdjacentShardToMerge: { ...ShardId, required: true },
  },
  async run(engine, input) {
    await engine.reshards.merge(refOf(input), input.ShardToMerge, input.AdjacentShardToMerge);
    return {};
  },
});
