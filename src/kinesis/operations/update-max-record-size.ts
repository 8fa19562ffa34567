import { defineOperation } from '../operation.js';
import { StreamARN, StreamId } from '../shapes.js';

interface Input {
  StreamARN?: string;
  MaxRecordSizeInKiB: number;
}

/** UpdateMaxRecordSize names the stream by ARN only; 1024 to 10240 KiB. */
export const updateMaxRecordSize = defineOperation<Input>({
  name: 'UpdateMaxRecordSize',
  members: { StreamARN, StreamId, MaxRecordSizeInKiB: { type: 'Integer', required: true, min: 1024, max: 10240 } },
  run(engine, input) {
    engine.settings.setMaxRecordSize({ arn: input.StreamARN }, input.MaxRecordSizeInKiB);
    return {};
  },
});
