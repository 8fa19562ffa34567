import { defineOperation } from '../operation.js';
import { refOf, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  EnforceConsumerDeletion?: boolean;
}

export const deleteStream = defineOperation<Input>({
  name: 'DeleteStream',
  members: { EnforceConsumerDeletion: { type: 'Boolean' }, ...streamRefMembers },
  run(engine, input) {
    engine.lifecycle.delete(refOf(input), input.EnforceConsumerDeletion === true);
    return {};
  },
});
