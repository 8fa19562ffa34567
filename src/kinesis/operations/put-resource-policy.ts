import { defineOperation } from '../operation.js';
import { ResourceARN, StreamId } from '../shapes.js';

interface Input {
  ResourceARN: string;
  Policy: string;
}

/** A stream's or consumer's resource policy, kept as given (Riffle does not authorize by it). */
export const putResourcePolicy = defineOperation<Input>({
  name: 'PutResourcePolicy',
  members: { ResourceARN, StreamId, Policy: { type: 'String', required: true } },
  run(engine, input) {
    engine.settings.putPolicy(input.ResourceARN, input.Policy);
    return {};
  },
});
