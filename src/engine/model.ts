/**
 * What the engine holds, as plain data: streams, their shards and registered consumers, their
 * states, and how a caller names a stream. A leaf of the engine: every other engine file, the
 * fan-out layer and the services read these types; this file imports only the hash key range.
 */
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

export const CONSUMER_STATUS = { CREATING: 'CREATING', ACTIVE: 'ACTIVE', DELETING: 'DELETING' } as const;
export type ConsumerStatus = (typeof CONSUMER_STATUS)[keyof typeof CONSUMER_STATUS];

/** A stream as a request names it: StreamName, StreamARN, or both if they agree. */
export interface StreamRef {
  name?: string | undefined;
  arn?: string | undefined;
}

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
  /** The shard this one was split from, or the first of the two merged into it (lineage). */
  readonly parentShardId?: string | undefined;
  /** A merge's other parent. */
  readonly adjacentParentShardId?: string | undefined;
  /** When a reshard made it (ms); the stream's creation time for the first shards. */
  readonly createdMs: number;
  /** When a reshard closed it (ms): it takes no more records, and is read to its end. */
  closedMs?: number;
  /** The counter past its last record, once its owner has closed it (CLOSE_SHARD's reply). */
  endCounter?: number;
  /** Formatted from endCounter: every record of the shard is below it. */
  endingSequenceNumber?: string;
  /** Closed longer than the retention period: its log is deleted; only its place in the lineage stays. */
  retired?: boolean;
  /**
   * Writes routed here (bytes of keys and data, records), throttled or not: what on-demand scaling
   * measures. Counted on the main thread, for ON_DEMAND streams only.
   */
  demandBytes: number;
  demandRecords: number;
}

/**
 * Where writes go: the open shards in hash key order, and the forms batch routing reads. Replaced
 * whole when a reshard takes effect (never changed in place: a batch being routed keeps its own).
 */
export interface Routing {
  readonly shards: readonly Shard[];
  /** Each open shard's starting hash key as 16 big-endian bytes, concatenated in `shards` order:
   * what batch routing (native/) binary-searches. */
  readonly startsBytes: Uint8Array;
  /** Each open shard's gid and owner, in `shards` order: what packing a binary batch per owner reads. */
  readonly shardGids: Uint32Array;
  readonly shardOwners: Uint32Array;
}

export interface Stream {
  readonly name: string;
  readonly arn: string;
  /** Milliseconds; also part of every sequence number and iterator of this stream. */
  readonly createdMs: number;
  status: StreamStatus;
  mode: StreamMode;
  retentionHours: number;
  /** Every shard, open and closed, by index (shards[i].index === i): reshards append. */
  readonly shards: Shard[];
  routing: Routing;
  readonly tags: Map<string, string>;
  /** What the rest of the API sets on a stream (stream-settings.ts), kept in the manifest. */
  readonly settings: StreamSettingsState;
  /** Registered consumers (enhanced fan-out) by name. */
  readonly consumers: Map<string, Consumer>;
  /** When UpdateShardCount was called (ms), the last 24 hours' worth: its rolling limit (kept in the manifest). */
  readonly scalingMs: number[];
  /** Timers for pending state transitions, cleared when the stream goes away. */
  readonly timers: Set<NodeJS.Timeout>;
}

export const DISTRIBUTION = { AUTO: 'AUTO', USER_PARTITION_KEY: 'USER_PARTITION_KEY' } as const;
export type Distribution = (typeof DISTRIBUTION)[keyof typeof DISTRIBUTION];

/** A stream's settings beyond shards and retention (engine/stream-settings.ts). */
export interface StreamSettingsState {
  /** EnableEnhancedMonitoring's shard-level metrics, in AWS's order. */
  shardLevelMetrics: string[];
  /** StartStreamEncryption's key (the data itself is not encrypted: Riffle records the setting). */
  kmsKeyId: string | null;
  /** PutResourcePolicy's document, as given. */
  policy: string | null;
  /** UpdateMaxRecordSize: KiB, 1024 (AWS's default) to 10240. */
  maxRecordSizeKiB: number;
  /** UpdateStreamWarmThroughput (on-demand streams). */
  warmThroughput: { targetMiBps: number; currentMiBps: number } | null;
  /** UpdateStreamRecordDistributionStrategy: AUTO spreads records over the shards whatever their keys. */
  distribution: Distribution;
}

export function defaultSettings(): StreamSettingsState {
  return { shardLevelMetrics: [], kmsKeyId: null, policy: null, maxRecordSizeKiB: 1024, warmThroughput: null, distribution: DISTRIBUTION.USER_PARTITION_KEY };
}

/** A registered stream consumer (enhanced fan-out); see consumers.ts for its ARN and states. */
export interface Consumer {
  readonly name: string;
  readonly arn: string;
  readonly createdMs: number;
  readonly stream: Stream;
  status: ConsumerStatus;
  /** TagResource / RegisterStreamConsumer's Tags. */
  readonly tags: Map<string, string>;
  /** PutResourcePolicy on the consumer's ARN. */
  policy: string | null;
}

/** Streams by name, as the data plane needs them (registry.ts implements it). */
export interface StreamLookup {
  /** The stream, for data-plane calls: ACTIVE or UPDATING, else ResourceNotFoundException. */
  readable(ref: StreamRef): Stream;
  /** The stream if it is still the one created at `createdMs` (iterators outlive streams). */
  ifSame(name: string, createdMs: number): Stream | undefined;
}

export function shardIdFor(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

export function openShards(stream: Stream): Shard[] {
  return stream.shards.filter((s) => s.closedMs === undefined);
}

export function isReadable(stream: Stream): boolean {
  return stream.status === STREAM_STATUS.ACTIVE || stream.status === STREAM_STATUS.UPDATING;
}
