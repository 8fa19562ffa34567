import { STREAM_MODE, type StreamMode } from '../../engine/model.js';
import { defineOperation } from '../operation.js';
import { StreamModeDetails, StreamName, TagKey, TagValue } from '../shapes.js';
import { checkTagCharacters } from '../tags.js';

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
    Tags: { type: 'Map', max: 200, key: TagKey, value: TagValue },
  },
  async run(engine, input) {
    const mode = input.StreamModeDetails?.StreamMode ?? STREAM_MODE.PROVISIONED;
    const tags = input.Tags ?? {};
    checkTagCharacters(Object.keys(tags));
    checkTagCharacters(Object.values(tags));
    await engine.lifecycle.create(input.StreamName, input.ShardCount, mode, tags);
    return {};
  },
});
