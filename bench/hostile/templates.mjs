// A valid request for each Kinesis and Firehose operation Riffle serves, naming the fuzz run's own
// resources (ctx: { stream, streamArn, shardId, consumerArn, iterator, deliveryStream }); the
// fuzzer mutates them. Streams and delivery streams it may create or delete come from a small set
// of names (fuzz-c0..7, fuzz-d0..7), so a run makes at most a few of them.
const b64 = (s) => Buffer.from(s).toString('base64');

export function templates(ctx) {
  const s = ctx.stream;
  const arn = ctx.streamArn;
  const made = (r) => `fuzz-c${r.int(8)}`;
  const delivery = (r) => `fuzz-d${r.int(8)}`;
  const seq = '4' + '0'.repeat(43);
  const kinesis = {
    PutRecord: (r) => ({ StreamName: s, PartitionKey: `k${r.int(100)}`, Data: b64('hello'), ...(r.chance(0.3) ? { ExplicitHashKey: '1' } : {}), ...(r.chance(0.2) ? { SequenceNumberForOrdering: seq } : {}) }),
    PutRecords: (r) => ({ StreamName: s, Records: Array.from({ length: 1 + r.int(5) }, (_, i) => ({ PartitionKey: `k${i}`, Data: b64('x'.repeat(r.int(100))) })) }),
    GetShardIterator: (r) => ({ StreamName: s, ShardId: ctx.shardId, ShardIteratorType: r.pick(['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AT_TIMESTAMP']), StartingSequenceNumber: seq, Timestamp: Date.now() / 1000 }),
    GetRecords: (r) => ({ ShardIterator: ctx.iterator, Limit: 1 + r.int(10_000) }),
    CreateStream: (r) => ({ StreamName: made(r), ShardCount: 1, ...(r.chance(0.3) ? { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } : {}), ...(r.chance(0.2) ? { Tags: { a: 'b' } } : {}) }),
    DeleteStream: (r) => ({ StreamName: made(r), EnforceConsumerDeletion: r.chance(0.5) }),
    DescribeStream: (r) => ({ StreamName: s, Limit: 1 + r.int(100), ExclusiveStartShardId: ctx.shardId }),
    DescribeStreamSummary: (r) => (r.chance(0.5) ? { StreamName: s } : { StreamARN: arn }),
    ListShards: (r) => (r.chance(0.3) ? { NextToken: 'AAAA' + b64(String(r.int(1e6))) } : { StreamName: s, MaxResults: 1 + r.int(1000), ShardFilter: { Type: r.pick(['AT_TRIM_HORIZON', 'AFTER_SHARD_ID', 'AT_TIMESTAMP', 'FROM_TIMESTAMP', 'AT_LATEST', 'FROM_TRIM_HORIZON']), ShardId: ctx.shardId, Timestamp: 1 } }),
    ListStreams: (r) => ({ Limit: 1 + r.int(100), ExclusiveStartStreamName: 'a', ...(r.chance(0.3) ? { NextToken: 'x' } : {}) }),
    SplitShard: (r) => ({ StreamName: made(r), ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '170141183460469231731687303715884105728' }),
    MergeShards: (r) => ({ StreamName: made(r), ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000001' }),
    UpdateShardCount: (r) => ({ StreamName: made(r), TargetShardCount: 1 + r.int(2), ScalingType: 'UNIFORM_SCALING' }),
    AddTagsToStream: () => ({ StreamName: s, Tags: { team: 'fuzz', 'aws:x': 'y' } }),
    ListTagsForStream: (r) => ({ StreamName: s, ExclusiveStartTagKey: 'a', Limit: 1 + r.int(50) }),
    RemoveTagsFromStream: () => ({ StreamName: s, TagKeys: ['team', 'nope'] }),
    IncreaseStreamRetentionPeriod: (r) => ({ StreamName: s, RetentionPeriodHours: 24 + r.int(8760) }),
    DecreaseStreamRetentionPeriod: () => ({ StreamName: s, RetentionPeriodHours: 24 }),
    RegisterStreamConsumer: (r) => ({ StreamARN: arn, ConsumerName: `c${r.int(4)}` }),
    DeregisterStreamConsumer: (r) => (r.chance(0.5) ? { StreamARN: arn, ConsumerName: `c${r.int(4)}` } : { ConsumerARN: ctx.consumerArn }),
    DescribeStreamConsumer: (r) => (r.chance(0.5) ? { StreamARN: arn, ConsumerName: 'c0' } : { ConsumerARN: ctx.consumerArn }),
    ListStreamConsumers: (r) => ({ StreamARN: arn, MaxResults: 1 + r.int(100) }),
    SubscribeToShard: (r) => ({ ConsumerARN: ctx.consumerArn, ShardId: ctx.shardId, StartingPosition: { Type: r.pick(['LATEST', 'TRIM_HORIZON', 'AT_SEQUENCE_NUMBER', 'AT_TIMESTAMP']), SequenceNumber: seq, Timestamp: 1 } }),
    EnableEnhancedMonitoring: () => ({ StreamName: s, ShardLevelMetrics: ['IncomingBytes', 'ALL'] }),
    DisableEnhancedMonitoring: () => ({ StreamName: s, ShardLevelMetrics: ['ALL'] }),
    StartStreamEncryption: () => ({ StreamName: s, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }),
    StopStreamEncryption: () => ({ StreamName: s, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }),
    UpdateStreamMode: (r) => ({ StreamARN: arn, StreamModeDetails: { StreamMode: r.pick(['ON_DEMAND', 'PROVISIONED']) } }),
    PutResourcePolicy: () => ({ ResourceARN: arn, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kinesis:*', Resource: arn }] }) }),
    GetResourcePolicy: () => ({ ResourceARN: arn }),
    DeleteResourcePolicy: () => ({ ResourceARN: arn }),
    DescribeLimits: () => ({}),
    DescribeAccountSettings: () => ({}),
    UpdateAccountSettings: (r) => ({ MinimumThroughputBillingCommitment: { Status: r.pick(['ENABLED', 'DISABLED']) } }),
    TagResource: () => ({ ResourceARN: arn, Tags: { k: 'v' } }),
    UntagResource: () => ({ ResourceARN: arn, TagKeys: ['k'] }),
    ListTagsForResource: () => ({ ResourceARN: arn }),
    UpdateMaxRecordSize: (r) => ({ StreamARN: arn, MaxRecordSizeInKiB: 1024 + r.int(9 * 1024) }),
    UpdateStreamWarmThroughput: (r) => ({ StreamName: s, WarmThroughputMiBps: r.int(100) }),
    UpdateStreamRecordDistributionStrategy: (r) => ({ StreamARN: arn, RecordDistributionStrategy: r.pick(['AUTO', 'USER_PARTITION_KEY']) }),
    CreateChannel: (r) => ({ ChannelName: `ch${r.int(4)}`, ServiceExecutionRoleARN: 'arn:aws:iam::000000000000:role/r', StreamConfigurationList: [{ StreamARN: arn, RecordConfiguration: { RecordFormatType: 'JSON' } }], S3DestinationConfiguration: { StorageConfiguration: { BucketARN: 'arn:aws:s3:::b', CompressionType: 'GZIP', ExpectedBucketOwner: '000000000000' } } }),
    DescribeChannel: (r) => ({ ChannelName: `ch${r.int(4)}` }),
    ListChannels: () => ({}),
    UpdateChannel: (r) => ({ ChannelName: `ch${r.int(4)}` }),
    DeleteChannel: (r) => ({ ChannelName: `ch${r.int(4)}` }),
  };
  const firehose = {
    CreateDeliveryStream: (r) => ({
      DeliveryStreamName: delivery(r),
      DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::fuzz-bucket', RoleARN: 'arn:aws:iam::000000000000:role/r', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 }, CompressionFormat: r.pick(['UNCOMPRESSED', 'GZIP', 'Snappy', 'ZIP', 'HADOOP_SNAPPY']), Prefix: 'p/!{timestamp:yyyy}/', ErrorOutputPrefix: 'e/!{firehose:error-output-type}/' },
    }),
    PutRecord: () => ({ DeliveryStreamName: ctx.deliveryStream, Record: { Data: b64('{"a":1}\n') } }),
    PutRecordBatch: (r) => ({ DeliveryStreamName: ctx.deliveryStream, Records: Array.from({ length: 1 + r.int(5) }, () => ({ Data: b64('{"a":1}\n') })) }),
    DescribeDeliveryStream: (r) => ({ DeliveryStreamName: ctx.deliveryStream, Limit: 1 + r.int(10) }),
    ListDeliveryStreams: (r) => ({ Limit: 1 + r.int(100), DeliveryStreamType: 'DirectPut', ExclusiveStartDeliveryStreamName: 'a' }),
    DeleteDeliveryStream: (r) => ({ DeliveryStreamName: delivery(r), AllowForceDelete: true }),
    UpdateDestination: (r) => ({ DeliveryStreamName: delivery(r), CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: { BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 0 } } }),
    TagDeliveryStream: () => ({ DeliveryStreamName: ctx.deliveryStream, Tags: [{ Key: 'k', Value: 'v' }] }),
    UntagDeliveryStream: () => ({ DeliveryStreamName: ctx.deliveryStream, TagKeys: ['k'] }),
    ListTagsForDeliveryStream: () => ({ DeliveryStreamName: ctx.deliveryStream, Limit: 10 }),
  };
  return { kinesis, firehose };
}

/** Whether a body may be sent: it must not name the normal client's stream or another protected one. */
export function harmless(body, protectedNames) {
  const text = body.toString('latin1');
  return !protectedNames.some((n) => text.includes(n));
}
