import { defineOperation } from '../operation.js';
import { shardOut, streamDetails, visibleShards } from '../describe-shape.js';
import { refOf, ShardId, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  ExclusiveStartShardId?: string;
  Limit?: number;
}

/** AWS: DescribeStream returns at most 100 shards per call unless Limit says fewer. */
const DEFAULT_LIMIT = 100;

export const describeStream = defineOperation<Input>({
  name: 'DescribeStream',
  members: { ExclusiveStartShardId: ShardId, Limit: { type: 'Integer', min: 1, max: 10000 }, ...streamRefMembers },
  run(engine, input) {
    const stream = engine.streams.get(refOf(input));
    const limit = Math.min(input.Limit ?? DEFAULT_LIMIT, DEFAULT_LIMIT);
    let shards = visibleShards(stream, engine.clock.now());
    if (input.ExclusiveStartShardId !== undefined) {
      const after = input.ExclusiveStartShardId;
      shards = shards.filter((s) => s.shardId > after);
    }
    return {
      StreamDescription: {
        ...streamDetails(stream),
        Shards: shards.slice(0, limit).map(shardOut),
        HasMoreShards: shards.length > limit,
      },
    };
  },
});
