import { isExpired, parentIdsOf } from '../engine/lineage.js';
import type { Shard, Stream } from '../engine/model.js';
import type { Output } from './operation.js';

/** Wire forms shared by DescribeStream, DescribeStreamSummary, ListStreams and ListShards. */
export function shardOut(shard: Shard): Output {
  const out: Output = {
    ShardId: shard.shardId,
    ...(shard.parentShardId === undefined ? {} : { ParentShardId: shard.parentShardId }),
    ...(shard.adjacentParentShardId === undefined ? {} : { AdjacentParentShardId: shard.adjacentParentShardId }),
    HashKeyRange: { StartingHashKey: shard.range.start.toString(), EndingHashKey: shard.range.end.toString() },
    SequenceNumberRange: {
      StartingSequenceNumber: shard.startingSequenceNumber,
      ...(shard.endingSequenceNumber === undefined ? {} : { EndingSequenceNumber: shard.endingSequenceNumber }),
    },
  };
  return out;
}

/**
 * The shards AWS lists: none while the stream is CREATING; closed ones until retention has taken
 * all their records ("This action does not list expired shards"). In the moment a reshard takes
 * effect, before the parents' owners have closed them, the listing is the one before it.
 */
export function visibleShards(stream: Stream, nowMs: number): Shard[] {
  if (stream.status === 'CREATING') return [];
  const ended = new Set(stream.shards.filter((s) => s.endingSequenceNumber !== undefined).map((s) => s.shardId));
  return stream.shards.filter((s) => s.retired !== true && !isExpired(stream, s, nowMs) && parentIdsOf(s).every((p) => ended.has(p)));
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
    EnhancedMonitoring: [{ ShardLevelMetrics: [...stream.settings.shardLevelMetrics] }],
    ...(stream.settings.kmsKeyId === null ? { EncryptionType: 'NONE' } : { EncryptionType: 'KMS', KeyId: stream.settings.kmsKeyId }),
  };
}

/** PutRecord and PutRecords' EncryptionType: KMS on a stream with encryption started (else absent, as for NONE). */
export function encryptionOf(stream: Stream): Output {
  return stream.settings.kmsKeyId === null ? {} : { EncryptionType: 'KMS' };
}
