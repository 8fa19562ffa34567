/**
 * Typed in-process access to the Kinesis operations: the AWS wire shapes (PascalCase members, as
 * the AWS SDK names them), with blobs as Uint8Array and timestamps as Date. Every call goes through
 * the same validation and operation code as the HTTP endpoints.
 */
import { typedClient, type Call } from '../aws/typed-client.js';

export interface StreamRef {
  StreamName?: string;
  StreamARN?: string;
}
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type StreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
export type ShardIteratorType = 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface ShardDescription {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
}

export interface ChildShard {
  ShardId: string;
  ParentShards: string[];
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
}

export interface StreamSummary {
  StreamName: string;
  StreamARN: string;
  StreamStatus: StreamStatus;
  StreamModeDetails: { StreamMode: StreamMode };
  StreamCreationTimestamp: Date;
}

export interface StreamDetails extends StreamSummary {
  RetentionPeriodHours: number;
  EnhancedMonitoring: Array<{ ShardLevelMetrics: string[] }>;
  EncryptionType: 'NONE' | 'KMS';
  KeyId?: string;
}

export interface PutRecordsResultEntry {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface KinesisRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: Date;
  Data: Uint8Array;
  PartitionKey: string;
}

export interface KinesisApi {
  createStream(input: { StreamName: string; ShardCount?: number; StreamModeDetails?: { StreamMode: StreamMode }; Tags?: Record<string, string> }): Promise<Record<string, never>>;
  deleteStream(input: StreamRef & { EnforceConsumerDeletion?: boolean }): Promise<Record<string, never>>;
  describeStream(input: StreamRef & { Limit?: number; ExclusiveStartShardId?: string }): Promise<{
    StreamDescription: StreamDetails & { Shards: ShardDescription[]; HasMoreShards: boolean };
  }>;
  describeStreamSummary(input: StreamRef): Promise<{ StreamDescriptionSummary: StreamDetails & { OpenShardCount: number; ConsumerCount: number } }>;
  listStreams(input?: { Limit?: number; ExclusiveStartStreamName?: string; NextToken?: string }): Promise<{
    StreamNames: string[];
    HasMoreStreams: boolean;
    StreamSummaries: StreamSummary[];
    NextToken?: string;
  }>;
  listShards(input: StreamRef & {
    NextToken?: string;
    ExclusiveStartShardId?: string;
    MaxResults?: number;
    ShardFilter?: { Type: 'AFTER_SHARD_ID' | 'AT_TRIM_HORIZON' | 'FROM_TRIM_HORIZON' | 'AT_LATEST' | 'AT_TIMESTAMP' | 'FROM_TIMESTAMP'; ShardId?: string; Timestamp?: Date };
  }): Promise<{ Shards: ShardDescription[]; NextToken?: string }>;
  putRecord(input: StreamRef & { Data: Uint8Array; PartitionKey: string; ExplicitHashKey?: string; SequenceNumberForOrdering?: string }): Promise<{
    ShardId: string;
    SequenceNumber: string;
  }>;
  putRecords(input: StreamRef & { Records: Array<{ Data: Uint8Array; PartitionKey: string; ExplicitHashKey?: string }> }): Promise<{
    FailedRecordCount: number;
    Records: PutRecordsResultEntry[];
  }>;
  getShardIterator(input: StreamRef & {
    ShardId: string;
    ShardIteratorType: ShardIteratorType;
    StartingSequenceNumber?: string;
    Timestamp?: Date;
  }): Promise<{ ShardIterator: string }>;
  getRecords(input: { ShardIterator: string; Limit?: number; StreamARN?: string }): Promise<{
    Records: KinesisRecord[];
    /** Absent at a closed shard's end, where ChildShards says where to go on. */
    NextShardIterator?: string;
    MillisBehindLatest: number;
    ChildShards?: ChildShard[];
  }>;
  splitShard(input: StreamRef & { ShardToSplit: string; NewStartingHashKey: string }): Promise<Record<string, never>>;
  mergeShards(input: StreamRef & { ShardToMerge: string; AdjacentShardToMerge: string }): Promise<Record<string, never>>;
  updateShardCount(input: StreamRef & { TargetShardCount: number; ScalingType: 'UNIFORM_SCALING' }): Promise<{
    StreamName: string;
    StreamARN: string;
    CurrentShardCount: number;
    TargetShardCount: number;
  }>;
  increaseStreamRetentionPeriod(input: StreamRef & { RetentionPeriodHours: number }): Promise<Record<string, never>>;
  decreaseStreamRetentionPeriod(input: StreamRef & { RetentionPeriodHours: number }): Promise<Record<string, never>>;
  addTagsToStream(input: StreamRef & { Tags: Record<string, string> }): Promise<Record<string, never>>;
  removeTagsFromStream(input: StreamRef & { TagKeys: string[] }): Promise<Record<string, never>>;
  listTagsForStream(input: StreamRef & { ExclusiveStartTagKey?: string; Limit?: number }): Promise<{
    Tags: Array<{ Key: string; Value: string }>;
    HasMoreTags: boolean;
  }>;
  describeLimits(input?: Record<string, never>): Promise<{
    ShardLimit: number;
    OpenShardCount: number;
    OnDemandStreamCount: number;
    OnDemandStreamCountLimit: number;
  }>;
  updateStreamMode(input: { StreamARN: string; StreamModeDetails: { StreamMode: StreamMode } }): Promise<Record<string, never>>;
}

const METHODS: Record<keyof KinesisApi, string> = {
  createStream: 'CreateStream',
  deleteStream: 'DeleteStream',
  describeStream: 'DescribeStream',
  describeStreamSummary: 'DescribeStreamSummary',
  listStreams: 'ListStreams',
  listShards: 'ListShards',
  putRecord: 'PutRecord',
  putRecords: 'PutRecords',
  getShardIterator: 'GetShardIterator',
  getRecords: 'GetRecords',
  increaseStreamRetentionPeriod: 'IncreaseStreamRetentionPeriod',
  decreaseStreamRetentionPeriod: 'DecreaseStreamRetentionPeriod',
  addTagsToStream: 'AddTagsToStream',
  removeTagsFromStream: 'RemoveTagsFromStream',
  listTagsForStream: 'ListTagsForStream',
  describeLimits: 'DescribeLimits',
  updateStreamMode: 'UpdateStreamMode',
  splitShard: 'SplitShard',
  mergeShards: 'MergeShards',
  updateShardCount: 'UpdateShardCount',
};

/** Builds the typed facade over `call`; the operation layer does all checking. */
export function kinesisClient(call: Call): KinesisApi {
  return typedClient<KinesisApi>(METHODS, call);
}
