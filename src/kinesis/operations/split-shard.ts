import { defineOperation } from '../operation.js';
import { HashKey, refOf, ShardId, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  ShardToSplit: string;
  NewStartingHashKey: string;
}

/** SplitShard: the shard closes and two children share its hash keys (engine/reshard.ts). */
export const splitShard = defineOperation<Input>({
  name: 'SplitShard',
  members: {
    ...streamRefMembers,
    ShardToSplit: { ...ShardId, required: true },
    NewStartingHashKey: { ...HashKey, required: true },
  },
  async run(engine, input) {
    await engine.reshards.split(refOf(input), input.ShardToSplit, input.NewStartingHashKey);
    return {};
  },
});
