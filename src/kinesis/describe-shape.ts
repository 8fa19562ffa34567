import type { Shard, Stream } from '../engine/model.js';
import type { Output } from './operation.js';

/** Wire forms shared by DescribeStream, DescribeStreamSummary, ListStreams and ListShards. */
export function shardOut(shard: Shard): Output {
  const out: Output = {
    ShardId: shard.shardId,
    HashKeyRange: { StartingHashKey: shard.range.start.toString(), EndingHashKey: shard.range.end.toString() },
    SequenceNumberRange: {
      StartingSequenceNumber: shard.startingSequenceNumber,
      ...(shard.endingSequenceNumber === undefined ? {} : { EndingSequenceNumber: shard.endingSequenceNumber }),
    },
  };
  return out;
}

/** AWS lists no shards while a stream is CREATING. */
export function visibleShards(stream: Stream): Shard[] {
  return stream.status === 'CREATING' ? [] : stream.shards;
}

export function streamHeader(stream: Stream): Output {
  return {
    StreamName: stream.name,
    StreamARN: stream.arn,
    StreamStatus: stream.status,
    StreamModeDetails: { StreamMode: stream.mode },
    StreamCreationTimestamp: new Date(Math.floor(stream.createdMs / 1000) * 1000),
  };
}

export function streamDetails(stream: Stream): Output {
  return {
    ...streamHeader(stream),
    RetentionPeriodHours: stream.retentionHours,
    EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
    EncryptionType: 'NONE',
  };
}
