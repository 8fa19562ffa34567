import { defineOperation } from '../operation.js';

export const describeAccountSettings = defineOperation<Record<string, never>>({
  name: 'DescribeAccountSettings',
  members: {},
  run(engine) {
    return { MinimumThroughputBillingCommitment: engine.account.describe() };
  },
});
