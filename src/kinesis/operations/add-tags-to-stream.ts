import { defineOperation } from '../operation.js';
import { refOf, streamRefMembers, TagKey, TagValue, type StreamRefInput } from '../shapes.js';
import { checkTagCharacters } from '../tags.js';

interface Input extends StreamRefInput {
  Tags: Record<string, string>;
}

export const addTagsToStream = defineOperation<Input>({
  name: 'AddTagsToStream',
  members: { ...streamRefMembers, Tags: { type: 'Map', required: true, min: 1, max: 200, key: TagKey, value: TagValue } },
  run(engine, input) {
    checkTagCharacters(Object.keys(input.Tags));
    checkTagCharacters(Object.values(input.Tags));
    engine.lifecycle.addTags(refOf(input), input.Tags);
    return {};
  },
});
