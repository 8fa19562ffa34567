import { defineOperation } from '../operation.js';
import { refOf, streamRefMembers, TagKey, type StreamRefInput } from '../shapes.js';
import { checkTagCharacters } from '../tags.js';

interface Input extends StreamRefInput {
  TagKeys: string[];
}

export const removeTagsFromStream = defineOperation<Input>({
  name: 'RemoveTagsFromStream',
  members: { ...streamRefMembers, TagKeys: { type: 'List', required: true, min: 1, max: 50, member: TagKey } },
  run(engine, input) {
    checkTagCharacters(input.TagKeys);
    engine.lifecycle.removeTags(refOf(input), input.TagKeys);
    return {};
  },
});
