import { openShards } from '../../engine/model.js';
import { defineOperation } from '../operation.js';
import { streamDetails } from '../describe-shape.js';
import { refOf, streamRefMembers, type StreamRefInput } from '../shapes.js';

export const describeStreamSummary = defineOperation<StreamRefInput>({
  name: 'DescribeStreamSummary',
  members: { ...streamRefMembers },
  run(engine, input) {
    const stream = engine.streams.get(refOf(input));
    return {
      StreamDescriptionSummary: {
        ...streamDetails(stream),
        OpenShardCount: stream.status === 'CREATING' ? 0 : openShards(stream).length,
        ConsumerCount: stream.consumers.size,
      },
    };
  },
});
