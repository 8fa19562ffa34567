import { defineOperation } from './operation.js';
import { refOf, streamRefMembers, type StreamRefInput } from './shapes.js';

interface Input extends StreamRefInput {
  EnforceConsumerDeletion?: boolean;
}

export const deleteStream = defineOperation<Input>({
  name: 'DeleteStream',
  members: { EnforceConsumerDeletion: { type: 'Boolean' }, ...streamRefMembers },
  run(engine, input) {
    // Registered consumers arrive with enhanced fan-out; until then a stream has none, so
    // EnforceConsumerDeletion has nothing to refuse or enforce.
    engine.deleteStream(refOf(input));
    return {};
  },
});
