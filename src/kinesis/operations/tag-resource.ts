import { defineOperation } from '../operation.js';
import { ResourceARN, StreamId, TagKey, TagValue } from '../shapes.js';
import { checkTagCharacters } from '../tags.js';

interface Input {
  ResourceARN: string;
  Tags: Record<string, string>;
}

/** Tags on a stream (the same tags as AddTagsToStream's) or on a consumer. */
export const tagResource = defineOperation<Input>({
  name: 'TagResource',
  members: { Tags: { type: 'Map', required: true, min: 1, max: 200, key: TagKey, value: TagValue }, ResourceARN, StreamId },
  run(engine, input) {
    checkTagCharacters(Object.keys(input.Tags));
    checkTagCharacters(Object.values(input.Tags));
    engine.settings.tagResource(input.ResourceARN, input.Tags);
    return {};
  },
});
