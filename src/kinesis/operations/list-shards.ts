import { AwsError } from '../../aws/errors.js';
import { defineOperation } from '../operation.js';
import { shardOut, visibleShards } from '../describe-shape.js';
import { checkNotExpired, decodePageToken, encodePageToken } from '../next-token.js';
import { ShardId, StreamARN, StreamName, StreamId } from '../shapes.js';
import { invalidNextToken } from '../errors.js';
import { checkShardFilter, filterShards, SHARD_FILTER_TYPES, type ShardFilterType } from '../shard-filter.js';

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
    StreamId,
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
          enum: [...SHARD_FILTER_TYPES],
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
      throw new AwsError('InvalidArgumentException', `NextToken and ${input.StreamName !== undefined ? 'StreamName' : 'StreamARN'} cannot be provided together.`);
    }
    if (input.NextToken === undefined && !named) {
      throw new AwsError('InvalidArgumentException', 'Either NextToken or StreamName should be provided.');
    }
    if (input.NextToken !== undefined && input.ExclusiveStartShardId !== undefined) {
      // AWS: "You cannot specify this parameter if you specify NextToken."
      throw new AwsError('InvalidArgumentException', 'NextToken and ExclusiveStartShardId cannot be provided together.');
    }
    if (input.NextToken !== undefined && input.ShardFilter !== undefined) {
      throw new AwsError('InvalidArgumentException', 'NextToken and ShardFilter cannot be provided together.');
    }
    const now = engine.clock.now();
    let after = input.ExclusiveStartShardId;
    let ref = { name: input.StreamName, arn: input.StreamARN };
    let createdMs: number | undefined;
    let type: ShardFilterType = 'FROM_TRIM_HORIZON';
    let timestampMs: number | undefined;
    if (input.NextToken !== undefined) {
      const token = decodePageToken(input.NextToken);
      if (token.s === '') throw invalidNextToken();
      checkNotExpired(token, now);
      ref = { name: token.s, arn: undefined };
      createdMs = token.c;
      after = token.k;
      // Later pages keep the first page's filter (KCL sends only the token).
      if (token.f !== undefined && (SHARD_FILTER_TYPES as readonly string[]).includes(token.f)) type = token.f as ShardFilterType;
      timestampMs = token.ft;
    } else if (input.ShardFilter !== undefined) {
      checkShardFilter(input.ShardFilter);
      type = input.ShardFilter.Type as ShardFilterType;
      timestampMs = input.ShardFilter.Timestamp;
      if (type === 'AFTER_SHARD_ID') {
        const id = input.ShardFilter.ShardId as string;
        after = after === undefined || id > after ? id : after;
      }
    }
    const stream = engine.streams.get(ref);
    if (createdMs !== undefined && createdMs !== stream.createdMs) throw engine.streams.notFound(stream.name);
    if (input.StreamCreationTimestamp !== undefined && Math.floor(input.StreamCreationTimestamp / 1000) !== Math.floor(stream.createdMs / 1000)) {
      throw engine.streams.notFound(stream.name);
    }
    const shards = filterShards(stream, visibleShards(stream, now), type, timestampMs, now).filter((s) => after === undefined || s.shardId > after);
    const limit = Math.min(input.MaxResults ?? PAGE_MAX, PAGE_MAX);
    const page = shards.slice(0, limit);
    const last = page[page.length - 1];
    return {
      Shards: page.map(shardOut),
      ...(shards.length > limit && last !== undefined
        ? { NextToken: encodePageToken({ s: stream.name, c: stream.createdMs, k: last.shardId, t: now, f: type, ...(timestampMs === undefined ? {} : { ft: timestampMs }) }) }
        : {}),
    };
  },
});
