import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cborRequest, rawRequest, startServer, type RunningServer } from './harness.js';

// Every operation this issue added, in JSON and in CBOR: a good call answers 200 with the same
// result in both encodings, and each bad one (missing members, wrong types, values out of range,
// unknown streams) gets an AWS-shaped error (status, __type, message); the server stays up and
// the stream is what the good calls made it.

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--no-throttle']);
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/internal failure|Error:|TypeError/);
  await server.stop();
});

async function json(op: string, body: unknown): Promise<{ status: number; value: Record<string, unknown> }> {
  const res = await rawRequest(server.port, `Kinesis_20131202.${op}`, JSON.stringify(body));
  return { status: res.status, value: res.body === '' ? {} : res.json() };
}

function cbor(op: string, body: unknown): Promise<{ status: number; value: Record<string, unknown> }> {
  return cborRequest(server.port, `Kinesis_20131202.${op}`, body);
}

const ARN = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
const HALF = (1n << 127n).toString();

describe.each([
  ['JSON', json],
  ['CBOR', cbor],
])('the new operations over %s', (label, call) => {
  const name = `sweep-${label}`;
  const od = `sweep-od-${label}`;

  it('good calls answer as AWS does', async () => {
    expect((await call('CreateStream', { StreamName: name, ShardCount: 2 })).status).toBe(200);
    expect((await call('CreateStream', { StreamName: od, StreamModeDetails: { StreamMode: 'ON_DEMAND' } })).status).toBe(200);
    expect(await call('SplitShard', { StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 126n).toString() })).toEqual({ status: 200, value: {} });
    expect(await call('MergeShards', { StreamName: name, ShardToMerge: 'shardId-000000000002', AdjacentShardToMerge: 'shardId-000000000003' })).toEqual({ status: 200, value: {} });
    const scaled = await call('UpdateShardCount', { StreamName: name, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' });
    expect(scaled).toMatchObject({ status: 200, value: { StreamName: name, StreamARN: ARN(name), CurrentShardCount: 2, TargetShardCount: 3 } });
    const latest = await call('ListShards', { StreamName: name, ShardFilter: { Type: 'AT_LATEST' } });
    expect((latest.value.Shards as unknown[]).length).toBe(3);
    expect((await call('EnableEnhancedMonitoring', { StreamName: name, ShardLevelMetrics: ['IncomingBytes'] })).value).toMatchObject({ DesiredShardLevelMetrics: ['IncomingBytes'] });
    expect((await call('DisableEnhancedMonitoring', { StreamName: name, ShardLevelMetrics: ['ALL'] })).value).toMatchObject({ DesiredShardLevelMetrics: [] });
    expect((await call('StartStreamEncryption', { StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' })).status).toBe(200);
    expect((await call('StopStreamEncryption', { StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' })).status).toBe(200);
    expect((await call('PutResourcePolicy', { ResourceARN: ARN(name), Policy: '{"Version":"2012-10-17","Statement":[]}' })).status).toBe(200);
    expect((await call('GetResourcePolicy', { ResourceARN: ARN(name) })).value).toEqual({ Policy: '{"Version":"2012-10-17","Statement":[]}' });
    expect((await call('DeleteResourcePolicy', { ResourceARN: ARN(name) })).status).toBe(200);
    expect((await call('TagResource', { ResourceARN: ARN(name), Tags: { a: 'b' } })).status).toBe(200);
    expect((await call('ListTagsForResource', { ResourceARN: ARN(name) })).value).toEqual({ Tags: [{ Key: 'a', Value: 'b' }] });
    expect((await call('UntagResource', { ResourceARN: ARN(name), TagKeys: ['a'] })).status).toBe(200);
    expect((await call('DescribeAccountSettings', {})).value).toMatchObject({ MinimumThroughputBillingCommitment: { Status: expect.any(String) } });
    expect((await call('UpdateMaxRecordSize', { StreamARN: ARN(name), MaxRecordSizeInKiB: 2048 })).status).toBe(200);
    expect((await call('UpdateStreamRecordDistributionStrategy', { StreamARN: ARN(od), RecordDistributionStrategy: 'AUTO' })).status).toBe(200);
    const summary = await call('DescribeStreamSummary', { StreamName: od });
    expect(summary.value.StreamDescriptionSummary).toMatchObject({ RecordDistributionStrategy: 'AUTO', MaxRecordSizeInKiB: 1024 });
  });

  it.each([
    ['SplitShard', {}, 'ValidationException'],
    ['SplitShard', { StreamName: name, ShardToSplit: 'shardId-000000000001', NewStartingHashKey: 5 }, 'SerializationException'],
    ['SplitShard', { StreamName: 'nope', ShardToSplit: 'shardId-000000000001', NewStartingHashKey: HALF }, 'ResourceNotFoundException'],
    ['SplitShard', { StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: HALF }, 'InvalidArgumentException'],
    ['MergeShards', { StreamName: name, ShardToMerge: 'shardId-000000000001' }, 'ValidationException'],
    ['MergeShards', { StreamName: name, ShardToMerge: 'bad id!', AdjacentShardToMerge: 'x' }, 'ValidationException'],
    ['UpdateShardCount', { StreamName: name, TargetShardCount: 'three', ScalingType: 'UNIFORM_SCALING' }, 'SerializationException'],
    ['UpdateShardCount', { StreamName: name, TargetShardCount: 100, ScalingType: 'UNIFORM_SCALING' }, 'LimitExceededException'],
    ['ListShards', { StreamName: name, ShardFilter: { Type: 'SOMEWHERE' } }, 'ValidationException'],
    ['ListShards', { StreamName: name, ShardFilter: { Type: 'FROM_TIMESTAMP' } }, 'InvalidArgumentException'],
    ['EnableEnhancedMonitoring', { StreamName: name }, 'ValidationException'],
    ['EnableEnhancedMonitoring', { StreamName: name, ShardLevelMetrics: 'ALL' }, 'SerializationException'],
    ['DisableEnhancedMonitoring', { StreamName: name, ShardLevelMetrics: ['Nope'] }, 'ValidationException'],
    ['StartStreamEncryption', { StreamName: name, EncryptionType: 'AES', KeyId: 'alias/x' }, 'ValidationException'],
    ['StartStreamEncryption', { StreamName: name, EncryptionType: 'KMS' }, 'ValidationException'],
    ['StopStreamEncryption', { StreamName: 'nope', EncryptionType: 'KMS', KeyId: 'alias/x' }, 'ResourceNotFoundException'],
    ['PutResourcePolicy', { ResourceARN: ARN(name) }, 'ValidationException'],
    ['PutResourcePolicy', { ResourceARN: ARN(name), Policy: '[1,2]' }, 'InvalidArgumentException'],
    ['GetResourcePolicy', { ResourceARN: 'arn:aws:s3:::bucket' }, 'ValidationException'],
    ['DeleteResourcePolicy', { ResourceARN: ARN('nope') }, 'ResourceNotFoundException'],
    ['TagResource', { ResourceARN: ARN(name), Tags: {} }, 'ValidationException'],
    ['TagResource', { ResourceARN: ARN(name), Tags: { ['k'.repeat(129)]: 'v' } }, 'ValidationException'],
    ['UntagResource', { ResourceARN: ARN(name), TagKeys: [] }, 'ValidationException'],
    ['ListTagsForResource', { ResourceARN: `${ARN(name)}/consumer/none:1` }, 'ResourceNotFoundException'],
    ['UpdateAccountSettings', {}, 'ValidationException'],
    ['UpdateAccountSettings', { MinimumThroughputBillingCommitment: { Status: 'PAUSED' } }, 'ValidationException'],
    ['UpdateMaxRecordSize', { StreamARN: ARN(name), MaxRecordSizeInKiB: 10241 }, 'ValidationException'],
    ['UpdateMaxRecordSize', { StreamARN: ARN(name), MaxRecordSizeInKiB: '2048' }, 'SerializationException'],
    ['UpdateStreamWarmThroughput', { StreamARN: ARN(name), WarmThroughputMiBps: -1 }, 'ValidationException'],
    ['UpdateStreamWarmThroughput', { StreamARN: ARN(name), WarmThroughputMiBps: 10 }, 'InvalidArgumentException'],
    ['UpdateStreamRecordDistributionStrategy', { StreamARN: ARN(name), RecordDistributionStrategy: 'AUTO' }, 'InvalidArgumentException'],
    ['UpdateStreamRecordDistributionStrategy', { StreamARN: ARN(name), RecordDistributionStrategy: 'RANDOM' }, 'ValidationException'],
    ['DescribeStreamSummary', { StreamName: name, StreamId: 'short' }, 'ValidationException'],
  ])('%s %j → %s', async (op, body, type) => {
    const got = await call(op, body);
    expect(got.status).toBe(400);
    expect(got.value.__type).toBe(type);
    // AWS's SerializationException carries its text as "Message", the others as "message".
    expect(typeof (type === 'SerializationException' ? got.value.Message : got.value.message)).toBe('string');
    expect(server.alive()).toBe(true);
  });
});
