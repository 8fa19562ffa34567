import { AwsError } from '../../aws/errors.js';
import { STREAM_MODE, type StreamMode } from '../../engine/model.js';
import { WARM_THROUGHPUT_MAX_MIBPS } from '../../engine/stream-settings.js';
import { defineOperation } from '../operation.js';
import { StreamARN, StreamId, StreamModeDetails } from '../shapes.js';

interface Input {
  StreamARN: string;
  StreamModeDetails: { StreamMode: StreamMode };
  WarmThroughputMiBps?: number;
}

/**
 * AWS: UpdateStreamMode names the stream by ARN only; the shards are kept. WarmThroughputMiBps
 * (switching to ON_DEMAND, with the billing commitment) warms the stream once it is on-demand, as
 * UpdateStreamWarmThroughput does.
 */
export const updateStreamMode = defineOperation<Input>({
  name: 'UpdateStreamMode',
  members: { StreamARN: { ...StreamARN, required: true }, StreamId, StreamModeDetails: { ...StreamModeDetails, required: true }, WarmThroughputMiBps: { type: 'Integer', min: 0 } },
  run(engine, input) {
    const mode = input.StreamModeDetails.StreamMode;
    const warm = input.WarmThroughputMiBps;
    if (warm !== undefined) {
      // Unconfirmed wordings (AWS: "only valid when switching to on-demand").
      if (mode !== STREAM_MODE.ON_DEMAND) throw new AwsError('InvalidArgumentException', 'WarmThroughputMiBps is only supported when switching a stream to ON_DEMAND.');
      if (!engine.account.committed) throw new AwsError('InvalidArgumentException', "Warm throughput requires the account's minimum throughput billing commitment (UpdateAccountSettings) to be enabled.");
      if (warm > WARM_THROUGHPUT_MAX_MIBPS) throw new AwsError('LimitExceededException', `WarmThroughputMiBps ${warm} is over the limit of ${WARM_THROUGHPUT_MAX_MIBPS} MiBps for an on-demand stream.`);
    }
    engine.lifecycle.updateStreamMode({ arn: input.StreamARN }, mode, (stream) => {
      if (warm === undefined) return;
      engine.settings
        .setWarmThroughput({ arn: stream.arn }, warm, engine.account.committed, (s, n) => engine.reshards.scaleTo(s, n))
        .catch((err: unknown) => console.error(`riffle: warm throughput of ${stream.name} after its mode change:`, err));
    });
    return {};
  },
});
