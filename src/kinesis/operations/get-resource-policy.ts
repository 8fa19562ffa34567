import { defineOperation } from '../operation.js';
import { ResourceARN, StreamId } from '../shapes.js';

interface Input {
  ResourceARN: string;
}

/** The policy, or "{}" for a resource that has none. */
export const getResourcePolicy = defineOperation<Input>({
  name: 'GetResourcePolicy',
  members: { ResourceARN, StreamId },
  run(engine, input) {
    return { Policy: engine.settings.getPolicy(input.ResourceARN) };
  },
});
