import type { Consumer } from './consumers.js';
import type { HashRange } from './hash-key.js';

export const STREAM_STATUS = {
  CREATING: 'CREATING',
  ACTIVE: 'ACTIVE',
  UPDATING: 'UPDATING',
  DELETING: 'DELETING',
} as const;
export type StreamStatus = (typeof STREAM_STATUS)[keyof typeof STREAM_STATUS];

export const STREAM_MODE = { PROVISIONED: 'PROVISIONED', ON_DEMAND: 'ON_DEMAND' } as const;
export type StreamMode = (typeof STREAM_MODE)[keyof typeof STREAM_MODE];

/** AWS: an on-demand stream starts with 4 shards (write capacity 4 MiB/s, 4,000 records/s). */
export const ON_DEMAND_INITIAL_SHARDS = 4;
export const DEFAULT_RETENTION_HOURS = 24;
export const MIN_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
/** AWS: at most 50 tags per stream (AddTagsToStream takes at most 10 per call). */
export const MAX_TAGS_PER_STREAM = 50;
/** AWS: on-demand streams per account (DescribeLimits OnDemandStreamCountLimit). */
export const ON_DEMAND_STREAM_LIMIT = 50;

export interface Shard {
  /** `shardId-000000000000`: the index zero-padded to 12 digits, as AWS names shards. */
  readonly shardId: string;
  readonly index: number;
  /** Engine-wide id; picks the owner thread and names the shard inside it. */
  readonly gid: number;
  readonly owner: number;
  readonly range: HashRange;
  readonly startingSequenceNumber: string;
  /** sequencePrefix(stream created, index): the fixed part of this shard's sequence numbers. */
  readonly seqPrefix: string;
  endingSequenceNumber?: string;
}

export interface Stream {
  readonly name: string;
  readonly arn: string;
  /** Milliseconds; also part of every sequence number and iterator of this stream. */
  readonly createdMs: number;
  status: StreamStatus;
  mode: StreamMode;
  retentionHours: number;
  readonly shards: Shard[];
  /** Each shard's starting hash key as 16 big-endian bytes, concatenated in shard order: what
   * batch routing (native/) binary-searches. */
  readonly startsBytes: Uint8Array;
  /** Each shard's gid and owner, in shard order: what packing a binary batch per owner reads. */
  readonly shardGids: Uint32Array;
  readonly shardOwners: Uint32Array;
  readonly tags: Map<string, string>;
  /** Registered consumers (enhanced fan-out) by name. */
  readonly consumers: Map<string, Consumer>;
  /** Timers for pending state transitions, cleared when the stream goes away. */
  readonly timers: Set<NodeJS.Timeout>;
}

export function shardIdFor(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

export function openShards(stream: Stream): Shard[] {
  return stream.shards.filter((s) => s.endingSequenceNumber === undefined);
}
