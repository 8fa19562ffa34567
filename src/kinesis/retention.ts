import { AwsError } from '../aws/errors.js';
import { MAX_RETENTION_HOURS, MIN_RETENTION_HOURS } from '../limits.js';
import { defineOperation, type KinesisOperation } from './operation.js';
import { refOf, streamRefMembers, type StreamRefInput } from './shapes.js';

export interface RetentionInput extends StreamRefInput {
  RetentionPeriodHours: number;
}

/** Both retention operations: same members, same bounds, opposite direction. */
export function retentionOperation(name: string, direction: 'increase' | 'decrease'): KinesisOperation<RetentionInput> {
  return defineOperation<RetentionInput>({
    name,
    members: { RetentionPeriodHours: { type: 'Integer', required: true }, ...streamRefMembers },
    async run(engine, input) {
      const hours = input.RetentionPeriodHours;
      if (hours < MIN_RETENTION_HOURS) {
        throw new AwsError(
          'InvalidArgumentException',
          `Minimum allowed retention period is ${MIN_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too short.`,
        );
      }
      if (hours > MAX_RETENTION_HOURS) {
        throw new AwsError(
          'InvalidArgumentException',
          `Maximum allowed retention period is ${MAX_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too long.`,
        );
      }
      await engine.lifecycle.setRetention(refOf(input), hours, direction);
      return {};
    },
  });
}
