import { AwsError } from '../../aws/errors.js';
import { defineOperation } from '../operation.js';
import { shardOut, visibleShards } from '../describe-shape.js';
import { checkNotExpired, decodePageToken, encodePageToken } from '../next-token.js';
import { ShardId, StreamARN, StreamName } from '../shapes.js';
import { invalidNextToken } from '../errors.js';

interface Input {
  ExclusiveStartShardId?: string;
  MaxResults?: number;
  NextToken?: string;
  ShardFilter?: { Type: string; ShardId?: string; Timestamp?: number };
  StreamARN?: string;
  StreamCreationTimestamp?: number;
  StreamName?: string;
}

/** AWS: "If you specify a value greater than 1000, at most 1000 results are returned." */
const PAGE_MAX = 1000;

export const listShards = defineOperation<Input>({
  name: 'ListShards',
  members: {
    ExclusiveStartShardId: ShardId,
    MaxResults: { type: 'Integer', min: 1, max: 10000 },
    NextToken: { type: 'String', min: 1, max: 1048576 },
    ShardFilter: {
      type: 'Structure',
      members: {
        ShardId,
        Timestamp: { type: 'Timestamp' },
        Type: {
          type: 'String',
          required: true,
          enum: ['AFTER_SHARD_ID', 'AT_TRIM_HORIZON', 'FROM_TRIM_HORIZON', 'AT_LATEST', 'AT_TIMESTAMP', 'FROM_TIMESTAMP'],
        },
      },
    },
    StreamARN,
    StreamCreationTimestamp: { type: 'Timestamp' },
    StreamName,
  },
  run(engine, input) {
    const named = input.StreamName !== undefined || input.StreamARN !== undefined;
    if (input.NextToken !== undefined && named) {
      throw new AwsError('InvalidArgumentException', 'NextToken and StreamName cannot be provided together.');
    }
    if (input.NextToken === undefined && !named) {
      throw new AwsError('InvalidArgumentException', 'Either NextToken or StreamName should be provided.');
    }
    if (input.NextToken !== undefined && input.ExclusiveStartShardId !== undefined) {
      // AWS: "You cannot specify this parameter if you specify NextToken."
      throw new AwsError('InvalidArgumentException', 'NextToken and ExclusiveStartShardId cannot be provided together.');
    }
    let after = input.ExclusiveStartShardId;
    let ref = { name: input.StreamName, arn: input.StreamARN };
    let createdMs: number | undefined;
    if (input.NextToken !== undefined) {
      const token = decodePageToken(input.NextToken);
      if (token.s === '') throw invalidNextToken();
      checkNotExpired(token, engine.clock.now());
      ref = { name: token.s, arn: undefined };
      createdMs = token.c;
      after = token.k;
    }
    const stream = engine.streams.get(ref);
    if (createdMs !== undefined && createdMs !== stream.createdMs) throw engine.streams.notFound(stream.name);
    const filter = input.ShardFilter;
    if (filter?.Type === 'AFTER_SHARD_ID') {
      if (filter.ShardId === undefined) {
        throw new AwsError('InvalidArgumentException', 'ShardId must be provided with ShardFilter type AFTER_SHARD_ID.');
      }
      after = after === undefined || filter.ShardId > after ? filter.ShardId : after;
    }
    if ((filter?.Type === 'AT_TIMESTAMP' || filter?.Type === 'FROM_TIMESTAMP') && filter.Timestamp === undefined) {
      throw new AwsError('InvalidArgumentException', `Timestamp must be provided with ShardFilter type ${filter.Type}.`);
    }
    // No shard has closed yet (resharding is not offered), so every other filter selects all shards.
    const shards = visibleShards(stream).filter((s) => after === undefined || s.shardId > after);
    const limit = Math.min(input.MaxResults ?? PAGE_MAX, PAGE_MAX);
    const page = shards.slice(0, limit);
    const last = page[page.length - 1];
    return {
      Shards: page.map(shardOut),
      ...(shards.length > limit && last !== undefined
        ? { NextToken: encodePageToken({ s: stream.name, c: stream.createdMs, k: last.shardId, t: engine.clock.now() }) }
        : {}),
    };
  },
});
