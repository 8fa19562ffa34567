import { defineOperation } from '../operation.js';
import { refOf, streamRefMembers, TagKey, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  ExclusiveStartTagKey?: string;
  Limit?: number;
}

/** AWS: Limit 1-50, default 50 (the most tags a stream can have). */
const DEFAULT_LIMIT = 50;

export const listTagsForStream = defineOperation<Input>({
  name: 'ListTagsForStream',
  members: { ExclusiveStartTagKey: TagKey, Limit: { type: 'Integer', min: 1, max: 50 }, ...streamRefMembers },
  run(engine, input) {
    const stream = engine.streams.get(refOf(input));
    const after = input.ExclusiveStartTagKey;
    const keys = [...stream.tags.keys()].sort().filter((k) => after === undefined || k > after);
    const limit = input.Limit ?? DEFAULT_LIMIT;
    return {
      Tags: keys.slice(0, limit).map((k) => ({ Key: k, Value: stream.tags.get(k) })),
      HasMoreTags: keys.length > limit,
    };
  },
});
