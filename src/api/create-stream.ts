import { STREAM_MODE, type StreamMode } from '../engine/stream.js';
import { defineOperation } from './operation.js';
import { StreamModeDetails, StreamName } from './shapes.js';

interface Input {
  ShardCount?: number;
  StreamModeDetails?: { StreamMode: StreamMode };
  StreamName: string;
  Tags?: Record<string, string>;
}

export const createStream = defineOperation<Input>({
  name: 'CreateStream',
  members: {
    ShardCount: { type: 'Integer', min: 1, max: 100000 },
    StreamModeDetails,
    StreamName: { ...StreamName, required: true },
    Tags: { type: 'Map', max: 200, key: { type: 'String', min: 1, max: 128 }, value: { type: 'String', min: 0, max: 256 } },
  },
  async run(engine, input) {
    const mode = input.StreamModeDetails?.StreamMode ?? STREAM_MODE.PROVISIONED;
    await engine.createStream(input.StreamName, input.ShardCount, mode);
    if (input.Tags !== undefined && Object.keys(input.Tags).length > 0) engine.addTags({ name: input.StreamName }, input.Tags);
    return {};
  },
});
