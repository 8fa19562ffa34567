import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
  UpdateShardCountCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { h1Client, h2Client, rawRequest, startServer, uniqueName, type RunningServer } from './harness.js';

// Resharding against the real server process with the real AWS SDK v3 client (HTTP/2 and
// HTTP/1.1): SplitShard, MergeShards, UpdateShardCount, lineage in DescribeStream and ListShards,
// GetRecords and SubscribeToShard at a closed shard's end, and AWS's errors for each.
const MAX = (1n << 128n) - 1n;
const HALF = 1n << 127n;

let server: RunningServer;
let h2: KinesisClient;
let h1: KinesisClient;
beforeAll(async () => {
  server = await startServer(['--shard-limit', '40']);
  h2 = h2Client(server.port);
  h1 = h1Client(server.port);
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/internal failure|Error:|did not take effect/);
  await server.stop();
});

async function create(client: KinesisClient, shards: number): Promise<string> {
  const name = uniqueName('rs');
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  return name;
}

async function shardsOf(client: KinesisClient, name: string): Promise<Shard[]> {
  return (await client.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
}

async function readAll(client: KinesisClient, name: string, shardId: string, limit = 10_000): Promise<{ data: string[]; end: Awaited<ReturnType<KinesisClient['send']>> & { ChildShards?: unknown } }> {
  let it = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const data: string[] = [];
  for (let i = 0; i < 50 && it !== undefined; i++) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: limit }));
    for (const r of out.Records ?? []) data.push(Buffer.from(r.Data as Uint8Array).toString());
    if (out.NextShardIterator === undefined) return { data, end: out };
    if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) return { data, end: out };
    it = out.NextShardIterator;
  }
  throw new Error('shard did not end');
}

describe.each([
  ['HTTP/2', () => h2],
  ['HTTP/1.1', () => h1],
])('SplitShard and MergeShards over %s', (_label, client) => {
  it('splits: the parent closes with an EndingSequenceNumber, the children take the next ids and partition its range', async () => {
    const c = client();
    const name = await create(c, 1);
    const before = await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('before') }));
    expect(before.ShardId).toBe('shardId-000000000000');
    await c.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: HALF.toString() }));
    const desc = (await c.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
    expect(desc?.StreamStatus).toBe('ACTIVE');
    const shards = desc?.Shards ?? [];
    expect(shards.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    const [parent, lo, hi] = shards as [Shard, Shard, Shard];
    expect(parent.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d+$/);
    expect(BigInt(parent.SequenceNumberRange?.EndingSequenceNumber as string) > BigInt(before.SequenceNumber as string)).toBe(true);
    expect(lo).toMatchObject({ ParentShardId: parent.ShardId, HashKeyRange: { StartingHashKey: '0', EndingHashKey: (HALF - 1n).toString() } });
    expect(hi).toMatchObject({ ParentShardId: parent.ShardId, HashKeyRange: { StartingHashKey: HALF.toString(), EndingHashKey: MAX.toString() } });
    expect(lo.AdjacentParentShardId).toBeUndefined();
    expect(lo.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
    const summary = (await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    expect(summary?.OpenShardCount).toBe(2);

    // From now on every record goes to a child, by its hash key.
    const low = await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'x', ExplicitHashKey: '5', Data: Buffer.from('low') }));
    const high = await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'x', ExplicitHashKey: MAX.toString(), Data: Buffer.from('high') }));
    expect([low.ShardId, high.ShardId]).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    const batch = await c.send(new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`b${i}`) })) }));
    expect(batch.FailedRecordCount).toBe(0);
    expect(new Set(batch.Records?.map((r) => r.ShardId))).toEqual(new Set(['shardId-000000000001', 'shardId-000000000002']));

    // The parent is read to its end: its records, then ChildShards and no NextShardIterator.
    const { data, end } = await readAll(c, name, parent.ShardId as string, 3);
    expect(data).toEqual(['before']);
    const out = end as { NextShardIterator?: string; ChildShards?: unknown; MillisBehindLatest?: number };
    expect(out.NextShardIterator).toBeUndefined();
    expect(out.MillisBehindLatest).toBe(0);
    expect(out.ChildShards).toEqual([
      { ShardId: 'shardId-000000000001', ParentShards: ['shardId-000000000000'], HashKeyRange: { StartingHashKey: '0', EndingHashKey: (HALF - 1n).toString() } },
      { ShardId: 'shardId-000000000002', ParentShards: ['shardId-000000000000'], HashKeyRange: { StartingHashKey: HALF.toString(), EndingHashKey: MAX.toString() } },
    ]);
    // LATEST on a closed shard is its end: GetRecords answers the children at once.
    const latest = (await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: parent.ShardId, ShardIteratorType: 'LATEST' }))).ShardIterator;
    const atEnd = await c.send(new GetRecordsCommand({ ShardIterator: latest }));
    expect(atEnd.Records).toEqual([]);
    expect(atEnd.NextShardIterator).toBeUndefined();
    expect(atEnd.ChildShards?.map((s) => s.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    // A child is read as any shard.
    expect((await readAll(c, name, 'shardId-000000000002')).data).toContain('high');
  });

  it('merges two adjacent shards into one whose parents are both', async () => {
    const c = client();
    const name = await create(c, 2);
    await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', ExplicitHashKey: '1', Data: Buffer.from('in-0') }));
    await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', ExplicitHashKey: MAX.toString(), Data: Buffer.from('in-1') }));
    await c.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000001' }));
    const shards = await shardsOf(c, name);
    expect(shards.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    expect(shards[2]).toMatchObject({
      ParentShardId: 'shardId-000000000000',
      AdjacentParentShardId: 'shardId-000000000001',
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX.toString() },
    });
    for (const id of ['shardId-000000000000', 'shardId-000000000001']) {
      const { data, end } = await readAll(c, name, id);
      expect(data).toHaveLength(1);
      expect((end as { ChildShards?: unknown }).ChildShards).toEqual([
        { ShardId: 'shardId-000000000002', ParentShards: ['shardId-000000000000', 'shardId-000000000001'], HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX.toString() } },
      ]);
    }
    const after = await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'z', Data: Buffer.from('after') }));
    expect(after.ShardId).toBe('shardId-000000000002');
  });
});

describe('UpdateShardCount', () => {
  it('scales up and down uniformly, within double and half, and reports the counts', async () => {
    const name = await create(h2, 2);
    const up = await h2.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }));
    expect(up).toMatchObject({ StreamName: name, CurrentShardCount: 2, TargetShardCount: 4 });
    expect(up.StreamARN).toMatch(new RegExp(`:stream/${name}$`));
    let shards = await shardsOf(h2, name);
    // As observed on AWS: 2 -> 4 closes both and makes four (6 in all).
    expect(shards).toHaveLength(6);
    const open = shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
    const step = (1n << 128n) / 4n;
    expect(open.map((s) => s.HashKeyRange?.StartingHashKey)).toEqual(['0', step.toString(), (2n * step).toString(), (3n * step).toString()]);
    await expect(h2.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 9, ScalingType: 'UNIFORM_SCALING' }))).rejects.toMatchObject({
      name: 'LimitExceededException',
      message: 'UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 4, Target shard count: 9',
    });
    await expect(h2.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 1, ScalingType: 'UNIFORM_SCALING' }))).rejects.toMatchObject({
      name: 'LimitExceededException',
      message: 'UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4, Target shard count: 1',
    });
    const down = await h2.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }));
    expect(down).toMatchObject({ CurrentShardCount: 4, TargetShardCount: 3 });
    shards = await shardsOf(h2, name);
    const open3 = shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
    expect(open3.map((s) => s.HashKeyRange?.StartingHashKey)).toEqual(['0', ((1n << 128n) / 3n).toString(), (2n * ((1n << 128n) / 3n)).toString()]);
    // Every shard made has at most two parents, all of them listed.
    const ids = new Set(shards.map((s) => s.ShardId));
    for (const s of shards) for (const p of [s.ParentShardId, s.AdjacentParentShardId]) if (p !== undefined) expect(ids.has(p)).toBe(true);
  });

  it('refuses past the account shard limit and past ten scalings a day', async () => {
    const name = await create(h2, 1);
    // 40 shards in the account: other tests' streams hold some of them.
    await expect(h2.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }))).resolves.toBeDefined();
    let ok = 1;
    for (let i = 0; i < 9; i++) {
      await h2.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: i % 2 === 0 ? 1 : 2, ScalingType: 'UNIFORM_SCALING' }));
      ok++;
    }
    expect(ok).toBe(10);
    await expect(h2.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }))).rejects.toMatchObject({ name: 'LimitExceededException' });
  });
});

describe('ListShards filters', () => {
  it('answers each ShardFilter type as the API reference defines it', async () => {
    const name = await create(h2, 1);
    const t0 = Date.now();
    await h2.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: HALF.toString() }));
    const ids = async (filter: Parameters<typeof ListShardsCommand>[0]['ShardFilter']) =>
      ((await h2.send(new ListShardsCommand({ StreamName: name, ShardFilter: filter }))).Shards ?? []).map((s) => s.ShardId);
    const all = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];
    expect(await ids(undefined)).toEqual(all);
    expect(await ids({ Type: 'FROM_TRIM_HORIZON' })).toEqual(all);
    expect(await ids({ Type: 'AT_LATEST' })).toEqual(all.slice(1));
    expect(await ids({ Type: 'AT_TRIM_HORIZON' })).toEqual(['shardId-000000000000']);
    expect(await ids({ Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000000' })).toEqual(all.slice(1));
    expect(await ids({ Type: 'AT_TIMESTAMP', Timestamp: new Date(t0 - 1000) })).toEqual(['shardId-000000000000']);
    expect(await ids({ Type: 'AT_TIMESTAMP', Timestamp: new Date(Date.now() + 0) })).toEqual(all.slice(1));
    expect(await ids({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(t0 - 1000) })).toEqual(all);
    await expect(h2.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AFTER_SHARD_ID' } }))).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    await expect(h2.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AT_TIMESTAMP' } }))).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    // A later page keeps the filter; a token and a filter together are refused.
    const first = await h2.send(new ListShardsCommand({ StreamName: name, MaxResults: 1, ShardFilter: { Type: 'AT_LATEST' } }));
    expect(first.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000001']);
    const second = await h2.send(new ListShardsCommand({ NextToken: first.NextToken }));
    expect(second.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);
    expect(second.NextToken).toBeUndefined();
    await expect(h2.send(new ListShardsCommand({ NextToken: first.NextToken, ShardFilter: { Type: 'AT_LATEST' } }))).rejects.toMatchObject({
      name: 'InvalidArgumentException',
      message: 'NextToken and ShardFilter cannot be provided together.',
    });
  });
});

describe('SubscribeToShard at a closed shard', () => {
  it('ends with an event carrying ChildShards and no ContinuationSequenceNumber', async () => {
    const name = await create(h2, 1);
    const arn = (await h2.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN as string;
    const consumer = (await h2.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'c' }))).Consumer?.ConsumerARN as string;
    for (let i = 0; i < 100 && (await h2.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.ConsumerCount !== 1; i++) await new Promise((r) => setTimeout(r, 20));
    await h2.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('one') }));
    const abort = new AbortController();
    const sub = await h2.send(new SubscribeToShardCommand({ ConsumerARN: consumer, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }), { abortSignal: abort.signal });
    const got: string[] = [];
    let last: { ContinuationSequenceNumber?: string; ChildShards?: unknown } | undefined;
    let split = false;
    for await (const ev of sub.EventStream ?? []) {
      const e = ev.SubscribeToShardEvent;
      if (e === undefined) continue;
      for (const r of e.Records ?? []) got.push(Buffer.from(r.Data as Uint8Array).toString());
      last = e;
      if (got.length === 1 && !split) {
        split = true;
        await h2.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('two') }));
        await h2.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: HALF.toString() }));
      }
    }
    abort.abort();
    expect(got).toEqual(['one', 'two']);
    expect(last?.ContinuationSequenceNumber).toBeUndefined();
    expect(last?.ChildShards).toEqual([
      { ShardId: 'shardId-000000000001', ParentShards: ['shardId-000000000000'], HashKeyRange: { StartingHashKey: '0', EndingHashKey: (HALF - 1n).toString() } },
      { ShardId: 'shardId-000000000002', ParentShards: ['shardId-000000000000'], HashKeyRange: { StartingHashKey: HALF.toString(), EndingHashKey: MAX.toString() } },
    ]);
  });
});

describe('bad input', () => {
  it('answers each with the AWS error, and the stream is unchanged', async () => {
    const name = await create(h2, 2);
    const err = (p: Promise<unknown>) => p.then(() => ({ name: 'none', message: '' }), (e: Error) => ({ name: e.name, message: e.message }));
    const split = (shard: string, key: string) => h2.send(new SplitShardCommand({ StreamName: name, ShardToSplit: shard, NewStartingHashKey: key }));
    expect(await err(split('shardId-000000000000', '1'))).toEqual({
      name: 'InvalidArgumentException',
      message: `NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream ${name} under account 000000000000 is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey ${HALF - 1n}.`,
    });
    expect((await err(split('shardId-000000000000', (HALF - 1n).toString()))).name).toBe('InvalidArgumentException');
    expect((await err(split('shardId-000000000000', MAX.toString()))).name).toBe('InvalidArgumentException');
    expect(await err(split('shardId-000000000009', '100'))).toEqual({
      name: 'ResourceNotFoundException',
      message: `Could not find shard shardId-000000000009 in stream ${name} under account 000000000000.`,
    });
    expect((await err(split('shardId-000000000000', '12x'))).name).toBe('ValidationException');
    expect(await err(h2.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000000' })))).toEqual({
      name: 'InvalidArgumentException',
      message: `Shards shardId-000000000001 and shardId-000000000000 in stream ${name} under account 000000000000 are not an adjacent pair of shards eligible for merging`,
    });
    expect((await err(h2.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000000' })))).name).toBe('InvalidArgumentException');
    // A closed shard is not split or merged again.
    await split('shardId-000000000000', '1000');
    expect(await err(split('shardId-000000000000', '2000'))).toEqual({
      name: 'InvalidArgumentException',
      message: `Shard shardId-000000000000 in stream ${name} under account 000000000000 has already been merged or split, and thus is not eligible for merging or splitting.`,
    });
    expect((await err(h2.send(new SplitShardCommand({ StreamName: 'nope', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '100' })))).name).toBe('ResourceNotFoundException');
    const bad = await rawRequest(server.port, 'Kinesis_20131202.UpdateShardCount', JSON.stringify({ StreamName: name, TargetShardCount: 0, ScalingType: 'EVEN' }));
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ __type: 'ValidationException' });
    expect(String(bad.json().message)).toMatch(/2 validation errors detected: .*targetShardCount.*greater than or equal to 1.*scalingType.*\[UNIFORM_SCALING\]/);
    const onDemand = uniqueName('od');
    await h2.send(new CreateStreamCommand({ StreamName: onDemand, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    expect((await err(h2.send(new UpdateShardCountCommand({ StreamName: onDemand, TargetShardCount: 5, ScalingType: 'UNIFORM_SCALING' })))).name).toBe('ValidationException');
    expect((await err(h2.send(new SplitShardCommand({ StreamName: onDemand, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '100' })))).name).toBe('ValidationException');
    // Unchanged but for the one split that was allowed.
    expect((await shardsOf(h2, name)).map((s) => s.ShardId)).toHaveLength(4);
    expect(server.alive()).toBe(true);
  });
});

describe('while UPDATING', () => {
  it('is UPDATING for --update-stream-ms with the old shards taking writes, then the children appear', async () => {
    const slow = await startServer(['--update-stream-ms', '400']);
    try {
      const c = h2Client(slow.port);
      const name = await create(c, 1);
      for (let i = 0; i < 100 && (await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 20));
      await c.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: HALF.toString() }));
      const during = (await c.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      expect(during?.StreamStatus).toBe('UPDATING');
      expect(during?.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000']);
      expect((await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('x') }))).ShardId).toBe('shardId-000000000000');
      await expect(c.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000001' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      await expect(c.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }))).rejects.toMatchObject({
        name: 'ResourceInUseException',
        message: `Stream ${name} under account 000000000000 not ACTIVE, instead in state UPDATING`,
      });
      let status = 'UPDATING';
      for (let i = 0; i < 200 && status !== 'ACTIVE'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus as string;
      }
      expect(status).toBe('ACTIVE');
      expect((await shardsOf(c, name)).map((s) => s.ShardId)).toHaveLength(3);
      expect((await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('x') }))).ShardId).not.toBe('shardId-000000000000');
    } finally {
      await slow.stop();
    }
  });
});
