import { defineOperation } from '../operation.js';
import { ResourceARN, StreamId } from '../shapes.js';

interface Input {
  ResourceARN: string;
}

export const deleteResourcePolicy = defineOperation<Input>({
  name: 'DeleteResourcePolicy',
  members: { ResourceARN, StreamId },
  run(engine, input) {
    engine.settings.deletePolicy(input.ResourceARN);
    return {};
  },
});
