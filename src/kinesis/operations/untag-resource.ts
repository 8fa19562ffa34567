import { defineOperation } from '../operation.js';
import { ResourceARN, StreamId, TagKey } from '../shapes.js';

interface Input {
  ResourceARN: string;
  TagKeys: string[];
}

export const untagResource = defineOperation<Input>({
  name: 'UntagResource',
  members: { TagKeys: { type: 'List', required: true, min: 1, max: 50, member: TagKey }, ResourceARN, StreamId },
  run(engine, input) {
    engine.settings.untagResource(input.ResourceARN, input.TagKeys);
    return {};
  },
});
