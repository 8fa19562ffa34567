import { defineOperation } from '../operation.js';

interface Input {
  MinimumThroughputBillingCommitment: { Status: 'ENABLED' | 'DISABLED' };
}

/** The minimum throughput billing commitment (engine/account-settings.ts): what warm throughput needs. */
export const updateAccountSettings = defineOperation<Input>({
  name: 'UpdateAccountSettings',
  members: {
    MinimumThroughputBillingCommitment: {
      type: 'Structure',
      required: true,
      members: { Status: { type: 'String', required: true, enum: ['ENABLED', 'DISABLED'] } },
    },
  },
  run(engine, input) {
    return { MinimumThroughputBillingCommitment: engine.account.update(input.MinimumThroughputBillingCommitment.Status) };
  },
});
