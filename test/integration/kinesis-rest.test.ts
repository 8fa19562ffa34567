import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateStreamCommand,
  DeleteResourcePolicyCommand,
  DescribeAccountSettingsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  GetResourcePolicyCommand,
  ListShardsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  PutResourcePolicyCommand,
  RegisterStreamConsumerCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAccountSettingsCommand,
  UpdateMaxRecordSizeCommand,
  UpdateStreamModeCommand,
  UpdateStreamRecordDistributionStrategyCommand,
  UpdateStreamWarmThroughputCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { h1Client, h2Client, rawRequest, startServer, uniqueName, type RunningServer } from './harness.js';

// The rest of the current Kinesis API against the real server with the SDK v3 client: enhanced
// monitoring, encryption, resource policies, tags by ARN, account settings, the maximum record
// size, warm throughput and the record distribution strategy; their errors; and what survives a
// restart.
const ALL = ['IncomingBytes', 'OutgoingRecords', 'IteratorAgeMilliseconds', 'IncomingRecords', 'ReadProvisionedThroughputExceeded', 'WriteProvisionedThroughputExceeded', 'OutgoingBytes'];
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kinesis:GetRecords', Resource: '*' }] });

let server: RunningServer;
let c: KinesisClient;
const dirs: string[] = [];
beforeAll(async () => {
  server = await startServer(['--no-throttle']);
  c = h2Client(server.port);
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/internal failure|Error:/);
  await server.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const err = (p: Promise<unknown>) => p.then(() => ({ name: 'none', message: '' }), (e: Error) => ({ name: e.name, message: e.message }));

async function stream(shards = 1, mode: 'PROVISIONED' | 'ON_DEMAND' = 'PROVISIONED'): Promise<{ name: string; arn: string }> {
  const name = uniqueName('rest');
  await c.send(new CreateStreamCommand({ StreamName: name, ...(mode === 'ON_DEMAND' ? { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } : { ShardCount: shards }) }));
  const arn = (await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN as string;
  return { name, arn };
}

async function active(name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${name} never ACTIVE`);
}

describe('enhanced monitoring', () => {
  it('keeps the shard-level metric names, answers Current and Desired as AWS does, and reports them', async () => {
    const { name } = await stream();
    const one = await c.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['IncomingBytes'] }));
    expect(one).toMatchObject({ StreamName: name, CurrentShardLevelMetrics: [], DesiredShardLevelMetrics: ['IncomingBytes'] });
    const all = await c.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['ALL'] }));
    expect(all.CurrentShardLevelMetrics).toEqual(['IncomingBytes']);
    expect(all.DesiredShardLevelMetrics).toEqual(ALL);
    const off = await c.send(new DisableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes'] }));
    expect(off.DesiredShardLevelMetrics).toEqual(ALL.filter((m) => m !== 'IncomingBytes' && m !== 'OutgoingBytes'));
    expect((await c.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription?.EnhancedMonitoring).toEqual([{ ShardLevelMetrics: off.DesiredShardLevelMetrics }]);
    expect((await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.EnhancedMonitoring).toEqual([{ ShardLevelMetrics: off.DesiredShardLevelMetrics }]);
    const bad = await rawRequest(server.port, 'Kinesis_20131202.EnableEnhancedMonitoring', JSON.stringify({ StreamName: name, ShardLevelMetrics: ['Everything'] }));
    expect(bad.status).toBe(400);
    expect(bad.json().__type).toBe('ValidationException');
    expect(String(bad.json().message)).toContain("at 'shardLevelMetrics.1.member' failed to satisfy constraint: Member must satisfy enum value set");
    expect((await err(c.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: [] })))).name).toBe('ValidationException');
    expect((await err(c.send(new EnableEnhancedMonitoringCommand({ StreamName: 'nope', ShardLevelMetrics: ['ALL'] })))).name).toBe('ResourceNotFoundException');
  });
});

describe('stream encryption', () => {
  it('records the KMS key (the data is not encrypted), reports it, and stops', async () => {
    const { name } = await stream();
    await c.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
    await active(name);
    const d = (await c.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
    expect(d).toMatchObject({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    expect((await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') }))).EncryptionType).toBe('KMS');
    expect((await c.send(new PutRecordsCommand({ StreamName: name, Records: [{ PartitionKey: 'k', Data: Buffer.from('y') }] }))).EncryptionType).toBe('KMS');
    const key = 'arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012';
    await c.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: key }));
    await active(name);
    expect((await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary).toMatchObject({ EncryptionType: 'KMS', KeyId: key });
    await c.send(new StopStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: key }));
    await active(name);
    const stopped = (await c.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
    expect(stopped?.EncryptionType).toBe('NONE');
    expect(stopped?.KeyId).toBeUndefined();
    expect((await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') }))).EncryptionType).toBeUndefined();
    expect((await err(c.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'NONE', KeyId: 'alias/aws/kinesis' })))).name).toBe('InvalidArgumentException');
    expect((await err(c.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'not a key' })))).name).toBe('InvalidArgumentException');
  });
});

describe('resource policies and tags by ARN', () => {
  it('keeps a policy per stream and per consumer; "{}" when there is none', async () => {
    const { arn } = await stream();
    const consumer = (await c.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'pc', Tags: { team: 'a' } }))).Consumer?.ConsumerARN as string;
    expect((await c.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy).toBe('{}');
    await c.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: POLICY }));
    expect((await c.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy).toBe(POLICY);
    expect((await c.send(new GetResourcePolicyCommand({ ResourceARN: consumer }))).Policy).toBe('{}');
    await c.send(new PutResourcePolicyCommand({ ResourceARN: consumer, Policy: POLICY }));
    expect((await c.send(new GetResourcePolicyCommand({ ResourceARN: consumer }))).Policy).toBe(POLICY);
    await c.send(new DeleteResourcePolicyCommand({ ResourceARN: arn }));
    expect((await c.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy).toBe('{}');
    expect((await err(c.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: 'not json' })))).name).toBe('InvalidArgumentException');
    expect((await err(c.send(new GetResourcePolicyCommand({ ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/nope' })))).name).toBe('ResourceNotFoundException');
    expect((await err(c.send(new GetResourcePolicyCommand({ ResourceARN: `${arn}/consumer/nope:1` })))).name).toBe('ResourceNotFoundException');
    expect((await err(c.send(new GetResourcePolicyCommand({ ResourceARN: 'not-an-arn' })))).name).toBe('ValidationException');

    // Tags by ARN: the stream's are AddTagsToStream's; a consumer's start with RegisterStreamConsumer's.
    const { name: other, arn: otherArn } = await stream();
    await c.send(new TagResourceCommand({ ResourceARN: otherArn, Tags: { env: 'dev', owner: 'me' } }));
    expect((await c.send(new ListTagsForStreamCommand({ StreamName: other }))).Tags).toEqual([
      { Key: 'env', Value: 'dev' },
      { Key: 'owner', Value: 'me' },
    ]);
    await c.send(new UntagResourceCommand({ ResourceARN: otherArn, TagKeys: ['owner'] }));
    expect((await c.send(new ListTagsForResourceCommand({ ResourceARN: otherArn }))).Tags).toEqual([{ Key: 'env', Value: 'dev' }]);
    expect((await c.send(new ListTagsForResourceCommand({ ResourceARN: consumer }))).Tags).toEqual([{ Key: 'team', Value: 'a' }]);
    await c.send(new TagResourceCommand({ ResourceARN: consumer, Tags: { team: 'b', tier: '1' } }));
    expect((await c.send(new ListTagsForResourceCommand({ ResourceARN: consumer }))).Tags).toEqual([
      { Key: 'team', Value: 'b' },
      { Key: 'tier', Value: '1' },
    ]);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect((await err(c.send(new TagResourceCommand({ ResourceARN: otherArn, Tags: many })))).name).toBe('InvalidArgumentException');
  });
});

describe('account settings and warm throughput', () => {
  it('moves the billing commitment through its states, and warms an on-demand stream only with it', async () => {
    expect((await c.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment).toEqual({ Status: 'DISABLED' });
    const { name: od, arn: odArn } = await stream(0, 'ON_DEMAND');
    expect((await err(c.send(new UpdateStreamWarmThroughputCommand({ StreamARN: odArn, WarmThroughputMiBps: 10 })))).name).toBe('InvalidArgumentException');
    const on = (await c.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } }))).MinimumThroughputBillingCommitment;
    expect(on?.Status).toBe('ENABLED');
    expect((on?.EarliestAllowedEndAt as Date).getTime() - (on?.StartedAt as Date).getTime()).toBe(86_400_000);
    const warmed = await c.send(new UpdateStreamWarmThroughputCommand({ StreamARN: odArn, WarmThroughputMiBps: 10 }));
    expect(warmed).toMatchObject({ StreamName: od, WarmThroughput: { TargetMiBps: 10, CurrentMiBps: 0 } });
    await active(od);
    const summary = (await c.send(new DescribeStreamSummaryCommand({ StreamName: od }))).StreamDescriptionSummary;
    expect(summary?.OpenShardCount).toBeGreaterThanOrEqual(10);
    expect(summary?.WarmThroughput).toEqual({ TargetMiBps: 10, CurrentMiBps: 10 });
    const { name: provName, arn: provisioned } = await stream();
    expect((await err(c.send(new UpdateStreamWarmThroughputCommand({ StreamARN: provisioned, WarmThroughputMiBps: 10 })))).name).toBe('InvalidArgumentException');
    // UpdateStreamMode to ON_DEMAND with WarmThroughputMiBps: warm once on-demand.
    expect((await err(c.send(new UpdateStreamModeCommand({ StreamARN: odArn, StreamModeDetails: { StreamMode: 'PROVISIONED' }, WarmThroughputMiBps: 5 })))).name).toBe('InvalidArgumentException');
    await c.send(new UpdateStreamModeCommand({ StreamARN: provisioned, StreamModeDetails: { StreamMode: 'ON_DEMAND' }, WarmThroughputMiBps: 6 }));
    for (let i = 0; i < 100 && (await c.send(new DescribeStreamSummaryCommand({ StreamName: provName }))).StreamDescriptionSummary?.OpenShardCount !== 6; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await c.send(new DescribeStreamSummaryCommand({ StreamName: provName }))).StreamDescriptionSummary).toMatchObject({ OpenShardCount: 6, WarmThroughput: { TargetMiBps: 6, CurrentMiBps: 6 } });
    expect((await err(c.send(new UpdateStreamWarmThroughputCommand({ StreamARN: odArn, WarmThroughputMiBps: 20_000 })))).name).toBe('LimitExceededException');
    // Disabling within the first 24 hours schedules the end; enabling again cancels it.
    const ending = (await c.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'DISABLED' } }))).MinimumThroughputBillingCommitment;
    expect(ending?.Status).toBe('ENABLED_UNTIL_EARLIEST_ALLOWED_END');
    const again = (await c.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } }))).MinimumThroughputBillingCommitment;
    expect(again?.Status).toBe('ENABLED');
    expect(again?.StartedAt).toEqual(on?.StartedAt);
    const bad = await rawRequest(server.port, 'Kinesis_20131202.UpdateAccountSettings', JSON.stringify({ MinimumThroughputBillingCommitment: { Status: 'MAYBE' } }));
    expect(bad.json().__type).toBe('ValidationException');
  });
});

describe('record distribution and record size', () => {
  it('AUTO spreads one key over every shard (on-demand only, no SequenceNumberForOrdering); USER_PARTITION_KEY keeps a key on one shard', async () => {
    const { name, arn } = await stream(0, 'ON_DEMAND');
    const { arn: provisioned } = await stream();
    expect((await err(c.send(new UpdateStreamRecordDistributionStrategyCommand({ StreamARN: provisioned, RecordDistributionStrategy: 'AUTO' })))).name).toBe('InvalidArgumentException');
    const shardsOf = async () => {
      const out = await c.send(new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 40 }, () => ({ PartitionKey: 'same', Data: Buffer.from('d') })) }));
      return new Set(out.Records?.map((r) => r.ShardId));
    };
    expect((await shardsOf()).size).toBe(1);
    await c.send(new UpdateStreamRecordDistributionStrategyCommand({ StreamARN: arn, RecordDistributionStrategy: 'AUTO' }));
    expect((await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.RecordDistributionStrategy).toBe('AUTO');
    expect((await shardsOf()).size).toBe(4);
    const ws = await h1Client(server.port).send(new PutRecordCommand({ StreamName: name, PartitionKey: 'same', ExplicitHashKey: '0', Data: Buffer.from('x') }));
    expect(ws.ShardId).toMatch(/^shardId-/);
    const first = await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'same', Data: Buffer.from('x') }));
    expect((await err(c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'same', Data: Buffer.from('x'), SequenceNumberForOrdering: first.SequenceNumber })))).name).toBe('InvalidArgumentException');
    // With AUTO a record needs no partition key; GetRecords then gives it none, as AWS does.
    const keyless = await c.send(new PutRecordsCommand({ StreamName: name, Records: [{ Data: Buffer.from('no key 1') }, { Data: Buffer.from('no key 2') }] }));
    expect(keyless.FailedRecordCount).toBe(0);
    const one = await c.send(new PutRecordCommand({ StreamName: name, Data: Buffer.from('no key 3') }));
    const it = (await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: one.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: one.SequenceNumber }))).ShardIterator;
    const back = (await c.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1 }))).Records?.[0];
    expect(Buffer.from(back?.Data as Uint8Array).toString()).toBe('no key 3');
    expect(back?.PartitionKey).toBeUndefined();
    await c.send(new UpdateStreamRecordDistributionStrategyCommand({ StreamARN: arn, RecordDistributionStrategy: 'USER_PARTITION_KEY' }));
    expect((await shardsOf()).size).toBe(1);
    // Back on partition keys, a record without one is refused as before.
    const missing = await rawRequest(server.port, 'Kinesis_20131202.PutRecord', JSON.stringify({ StreamName: name, Data: 'eA==' }));
    expect(missing.json()).toMatchObject({ __type: 'ValidationException', message: "1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: Member must not be null" });
    expect((await c.send(new ListShardsCommand({ StreamName: name }))).Shards).toHaveLength(4);
  });

  it("takes CreateStream's MaxRecordSizeInKiB, RecordDistributionStrategy and WarmThroughputMiBps as AWS does", async () => {
    const name = uniqueName('create');
    await c.send(new CreateStreamCommand({ StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' }, MaxRecordSizeInKiB: 3072, RecordDistributionStrategy: 'AUTO', WarmThroughputMiBps: 6 }));
    await active(name);
    expect((await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary).toMatchObject({
      MaxRecordSizeInKiB: 3072,
      RecordDistributionStrategy: 'AUTO',
      OpenShardCount: 6,
      WarmThroughput: { TargetMiBps: 6, CurrentMiBps: 6 },
    });
    expect((await err(c.send(new CreateStreamCommand({ StreamName: uniqueName('create'), ShardCount: 1, RecordDistributionStrategy: 'AUTO' })))).name).toBe('InvalidArgumentException');
    expect((await err(c.send(new CreateStreamCommand({ StreamName: uniqueName('create'), ShardCount: 1, WarmThroughputMiBps: 5 })))).name).toBe('InvalidArgumentException');
    const bad = await rawRequest(server.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: uniqueName('create'), ShardCount: 1, MaxRecordSizeInKiB: 20000 }));
    expect(bad.json().__type).toBe('ValidationException');
  });

  it('UpdateMaxRecordSize records the size (1024 to 10240 KiB) and DescribeStreamSummary reports it', async () => {
    const { name, arn } = await stream();
    expect((await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.MaxRecordSizeInKiB).toBe(1024);
    await c.send(new UpdateMaxRecordSizeCommand({ StreamARN: arn, MaxRecordSizeInKiB: 4096 }));
    expect((await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.MaxRecordSizeInKiB).toBe(4096);
    const bad = await rawRequest(server.port, 'Kinesis_20131202.UpdateMaxRecordSize', JSON.stringify({ StreamARN: arn, MaxRecordSizeInKiB: 100 }));
    expect(bad.json()).toMatchObject({ __type: 'ValidationException', message: "1 validation error detected: Value '100' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024" });
  });

  it('takes StreamId where AWS does (validated, then ignored)', async () => {
    const { name } = await stream();
    // Raw: the SDK's endpoint rules send a call with a StreamId to a host of its own, whatever the endpoint.
    const ok = await rawRequest(server.port, 'Kinesis_20131202.DescribeStreamSummary', JSON.stringify({ StreamName: name, StreamId: 'abcdefghij0123456789-abc' }));
    expect(ok.status).toBe(200);
    expect((ok.json().StreamDescriptionSummary as { StreamName: string }).StreamName).toBe(name);
    const bad = await rawRequest(server.port, 'Kinesis_20131202.DescribeStreamSummary', JSON.stringify({ StreamName: name, StreamId: 'NOPE' }));
    expect(bad.json().__type).toBe('ValidationException');
    expect(String(bad.json().message)).toContain("at 'streamId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}");
  });
});

describe('after a restart', () => {
  it('keeps monitoring, encryption, policies, consumer tags, the record size, the distribution and the account commitment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-rest-'));
    dirs.push(dir);
    let s = await startServer(['--data-dir', dir]);
    let k = h2Client(s.port);
    await k.send(new CreateStreamCommand({ StreamName: 'kept', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    const arn = (await k.send(new DescribeStreamSummaryCommand({ StreamName: 'kept' }))).StreamDescriptionSummary?.StreamARN as string;
    await k.send(new EnableEnhancedMonitoringCommand({ StreamName: 'kept', ShardLevelMetrics: ['IncomingRecords'] }));
    await k.send(new StartStreamEncryptionCommand({ StreamName: 'kept', EncryptionType: 'KMS', KeyId: 'alias/mine' }));
    await k.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: POLICY }));
    const consumer = (await k.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'c', Tags: { a: 'b' } }))).Consumer?.ConsumerARN as string;
    await k.send(new UpdateMaxRecordSizeCommand({ StreamARN: arn, MaxRecordSizeInKiB: 2048 }));
    await k.send(new UpdateStreamRecordDistributionStrategyCommand({ StreamARN: arn, RecordDistributionStrategy: 'AUTO' }));
    await k.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } }));
    await s.stop();
    s = await startServer(['--data-dir', dir]);
    try {
      k = h2Client(s.port);
      const summary = (await k.send(new DescribeStreamSummaryCommand({ StreamName: 'kept' }))).StreamDescriptionSummary;
      expect(summary).toMatchObject({
        EnhancedMonitoring: [{ ShardLevelMetrics: ['IncomingRecords'] }],
        EncryptionType: 'KMS',
        KeyId: 'alias/mine',
        MaxRecordSizeInKiB: 2048,
        RecordDistributionStrategy: 'AUTO',
      });
      expect((await k.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy).toBe(POLICY);
      expect((await k.send(new ListTagsForResourceCommand({ ResourceARN: consumer }))).Tags).toEqual([{ Key: 'a', Value: 'b' }]);
      expect((await k.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment?.Status).toBe('ENABLED');
    } finally {
      await s.stop();
    }
  });
});
