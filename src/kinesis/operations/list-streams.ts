import { defineOperation } from '../operation.js';
import { streamHeader } from '../describe-shape.js';
import { decodePageToken, encodePageToken } from '../next-token.js';
import { StreamName } from '../shapes.js';
import { invalidNextToken } from '../errors.js';

interface Input {
  ExclusiveStartStreamName?: string;
  Limit?: number;
  NextToken?: string;
}

/** AWS: "The default value is 100. If you specify a value greater than 100, at most 100 results are returned." */
const PAGE_MAX = 100;

export const listStreams = defineOperation<Input>({
  name: 'ListStreams',
  members: {
    ExclusiveStartStreamName: StreamName,
    Limit: { type: 'Integer', min: 1, max: 10000 },
    NextToken: { type: 'String', min: 1, max: 1048576 },
  },
  run(engine, input) {
    const limit = Math.min(input.Limit ?? PAGE_MAX, PAGE_MAX);
    let after = input.ExclusiveStartStreamName;
    if (input.NextToken !== undefined) {
      const token = decodePageToken(input.NextToken);
      // A ListShards token names a stream; ours do not.
      if (token.s !== '') throw invalidNextToken();
      after = token.k;
    }
    const all = engine.streams.list().filter((s) => after === undefined || s.name > after);
    const page = all.slice(0, limit);
    const hasMore = all.length > limit;
    const last = page[page.length - 1];
    return {
      StreamNames: page.map((s) => s.name),
      HasMoreStreams: hasMore,
      StreamSummaries: page.map(streamHeader),
      ...(hasMore && last !== undefined ? { NextToken: encodePageToken({ s: '', c: 0, k: last.name, t: engine.clock.now() }) } : {}),
    };
  },
});
