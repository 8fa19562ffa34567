import { defineOperation } from '../operation.js';
import { ResourceARN, StreamId } from '../shapes.js';

interface Input {
  ResourceARN: string;
}

/** Every tag of a stream or consumer, in one answer (no paging, as AWS's). */
export const listTagsForResource = defineOperation<Input>({
  name: 'ListTagsForResource',
  members: { ResourceARN, StreamId },
  run(engine, input) {
    return { Tags: engine.settings.listTags(input.ResourceARN) };
  },
});
