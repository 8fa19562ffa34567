import { AwsError } from '../aws/errors.js';
import { isOpen } from '../engine/lineage.js';
import type { Shard, Stream } from '../engine/model.js';

export const SHARD_FILTER_TYPES = ['AFTER_SHARD_ID', 'AT_TRIM_HORIZON', 'FROM_TRIM_HORIZON', 'AT_LATEST', 'AT_TIMESTAMP', 'FROM_TIMESTAMP'] as const;
export type ShardFilterType = (typeof SHARD_FILTER_TYPES)[number];

/**
 * ListShards' ShardFilter over the shards listed (visibleShards), as the API reference defines
 * each type. TRIM_HORIZON is the retention period's start, or the stream's creation if later; a
 * timestamp before it is taken as it (AWS documents that correction for FROM_TIMESTAMP; Riffle
 * applies it to AT_TIMESTAMP too, so a reader starting from before the stream gets its first shards).
 * AFTER_SHARD_ID is applied by the caller, like ExclusiveStartShardId.
 */
export function filterShards(stream: Stream, shards: readonly Shard[], type: ShardFilterType, timestampMs: number | undefined, nowMs: number): Shard[] {
  const trimHorizon = Math.max(nowMs - stream.retentionHours * 3_600_000, stream.createdMs);
  const openAt = (s: Shard, t: number): boolean => s.createdMs <= t && (s.closedMs === undefined || s.closedMs >= t);
  switch (type) {
    case 'AT_LATEST':
      // "only the currently open shards"
      return shards.filter((s) => isOpen(s) || s.endingSequenceNumber === undefined);
    case 'AT_TRIM_HORIZON':
      // "all the shards that were open at TRIM_HORIZON"
      return shards.filter((s) => openAt(s, trimHorizon));
    case 'AT_TIMESTAMP': {
      // "start timestamp is less than or equal to the given timestamp and end timestamp is greater than or equal to [it] or still open"
      const t = Math.max(timestampMs as number, trimHorizon);
      return shards.filter((s) => openAt(s, t));
    }
    case 'FROM_TIMESTAMP': {
      // "all closed shards whose end timestamp is greater than or equal to the given timestamp and also all open shards"
      const t = Math.max(timestampMs as number, trimHorizon);
      return shards.filter((s) => s.closedMs === undefined || s.closedMs >= t);
    }
    case 'FROM_TRIM_HORIZON':
    case 'AFTER_SHARD_ID':
      // "all the shards within the retention period of the data stream (trim to tip)"
      return [...shards];
  }
}

/** The checks a ShardFilter gets before it is used (unconfirmed wording: AWS's is not published). */
export function checkShardFilter(filter: { Type: string; ShardId?: string; Timestamp?: number }): void {
  if (filter.Type === 'AFTER_SHARD_ID' && filter.ShardId === undefined) {
    throw new AwsError('InvalidArgumentException', 'ShardId must be provided with ShardFilter type AFTER_SHARD_ID.');
  }
  if ((filter.Type === 'AT_TIMESTAMP' || filter.Type === 'FROM_TIMESTAMP') && filter.Timestamp === undefined) {
    throw new AwsError('InvalidArgumentException', `Timestamp must be provided with ShardFilter type ${filter.Type}.`);
  }
}
