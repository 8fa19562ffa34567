import { defineOperation } from '../operation.js';
import { invalidNextToken } from '../errors.js';

interface Input {
  MaxResults?: number;
  NextToken?: string;
  StreamFilter?: Array<{ StreamARN: string; StreamCreationTimestamp?: number }>;
}

/**
 * Riffle holds no channels (delivery is not built), so the honest answer is an empty list. Riffle
 * never issues a ListChannels NextToken, so any token given is not one of ours: "Invalid NextToken."
 * as ListStreams answers a bad token.
 */
export const listChannels = defineOperation<Input>({
  name: 'ListChannels',
  members: {
    // No source gives MaxResults a range; min 1 is every other Kinesis list's (unconfirmed for channels).
    // "If you specify a value greater than 100, at most 100 results are returned."
    MaxResults: { type: 'Integer', min: 1 },
    NextToken: { type: 'String' },
    StreamFilter: {
      type: 'List',
      member: {
        type: 'Structure',
        members: {
          StreamARN: { type: 'String', required: true },
          StreamCreationTimestamp: { type: 'Timestamp' },
        },
      },
    },
  },
  run(_engine, input) {
    if (input.NextToken !== undefined) throw invalidNextToken();
    return { ChannelSummaries: [] };
  },
});
