import { defineOperation } from '../operation.js';
import { refOf, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  WarmThroughputMiBps: number;
}

/**
 * Warm throughput of an on-demand stream: its write capacity brought to the target at once (open
 * shards split to it), the stream UPDATING meanwhile. Answers the target and what was warm before.
 */
export const updateStreamWarmThroughput = defineOperation<Input>({
  name: 'UpdateStreamWarmThroughput',
  members: { ...streamRefMembers, WarmThroughputMiBps: { type: 'Integer', required: true, min: 0 } },
  async run(engine, input) {
    const { stream, target, current } = await engine.settings.setWarmThroughput(refOf(input), input.WarmThroughputMiBps, engine.account.committed, (s, n) => engine.reshards.scaleTo(s, n));
    return { StreamARN: stream.arn, StreamName: stream.name, WarmThroughput: { TargetMiBps: target, CurrentMiBps: current } };
  },
});
