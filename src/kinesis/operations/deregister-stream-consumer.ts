import { defineOperation } from '../operation.js';
import { consumerOf, consumerRefMembers, type ConsumerRefInput } from '../consumer-ref.js';

export const deregisterStreamConsumer = defineOperation<ConsumerRefInput>({
  name: 'DeregisterStreamConsumer',
  members: consumerRefMembers,
  run(engine, input) {
    engine.consumers.deregister(consumerOf(engine, input));
    return {};
  },
});
