import { AwsError } from '../../aws/errors.js';
import { defineOperation } from '../operation.js';
import { consumerShape } from '../consumer-shape.js';
import { checkNotExpired, decodePageToken, encodePageToken } from '../next-token.js';
import { StreamARN, StreamId } from '../shapes.js';
import { invalidNextToken } from '../errors.js';

interface Input {
  StreamARN: string;
  NextToken?: string;
  MaxResults?: number;
  StreamCreationTimestamp?: number;
}

/** AWS: MaxResults 1-10,000, default 100. */
const DEFAULT_MAX_RESULTS = 100;

export const listStreamConsumers = defineOperation<Input>({
  name: 'ListStreamConsumers',
  members: {
    StreamId,
    StreamARN: { ...StreamARN, required: true },
    NextToken: { type: 'String', min: 1, max: 1048576 },
    MaxResults: { type: 'Integer', min: 1, max: 10000 },
    StreamCreationTimestamp: { type: 'Timestamp' },
  },
  run(engine, input) {
    const stream = engine.streams.get({ arn: input.StreamARN });
    // The stream's creation time names which incarnation of a re-created stream is meant.
    const created = input.StreamCreationTimestamp;
    if (created !== undefined && Math.floor(created / 1000) !== Math.floor(stream.createdMs / 1000)) {
      throw new AwsError('ResourceNotFoundException', `Stream ${stream.name} under account ${engine.config.accountId} not found.`);
    }
    let after = '';
    if (input.NextToken !== undefined) {
      const token = decodePageToken(input.NextToken);
      if (token.s !== stream.name || token.c !== stream.createdMs) throw invalidNextToken();
      checkNotExpired(token, engine.clock.now());
      after = token.k;
    }
    const all = [...stream.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).filter((c) => c.name > after);
    const limit = input.MaxResults ?? DEFAULT_MAX_RESULTS;
    const page = all.slice(0, limit);
    const last = page[page.length - 1];
    return {
      Consumers: page.map(consumerShape),
      ...(all.length > limit && last !== undefined ? { NextToken: encodePageToken({ s: stream.name, c: stream.createdMs, k: last.name, t: engine.clock.now() }) } : {}),
    };
  },
});
