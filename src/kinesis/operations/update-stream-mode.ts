import type { StreamMode } from '../../engine/model.js';
import { defineOperation } from '../operation.js';
import { StreamARN, StreamId, StreamModeDetails } from '../shapes.js';

interface Input {
  StreamARN: string;
  StreamModeDetails: { StreamMode: StreamMode };
}

/** AWS: UpdateStreamMode names the stream by ARN only. */
export const updateStreamMode = defineOperation<Input>({
  name: 'UpdateStreamMode',
  members: { StreamARN: { ...StreamARN, required: true }, StreamId, StreamModeDetails: { ...StreamModeDetails, required: true } },
  run(engine, input) {
    engine.lifecycle.updateStreamMode({ arn: input.StreamARN }, input.StreamModeDetails.StreamMode);
    return {};
  },
});
