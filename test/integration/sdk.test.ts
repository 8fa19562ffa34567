import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RemoveTagsFromStreamCommand,
  ResourceNotFoundException,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import { h1Client, h2Client, startServer, uniqueName, type RunningServer } from './harness.js';

let server: RunningServer;
beforeAll(async () => {
  // Unthrottled: these tests call GetRecords on one shard faster than 5/s; throttle.test.ts covers the limits.
  server = await startServer(['--workers', '2', '--no-throttle']);
});
afterAll(async () => {
  await server.stop();
});

function md5Shard(key: string, shardCount: number): number {
  const h = BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex'));
  const step = (1n << 128n) / BigInt(shardCount);
  return Math.min(Number(h / step), shardCount - 1);
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

const clients: Array<[string, () => KinesisClient]> = [
  ['SDK default handler (HTTP/2) on the AWS port', () => h2Client(server.port)],
  ['SDK NodeHttpHandler (HTTP/1.1) on the AWS port', () => h1Client(server.port)],
  ['SDK NodeHttpHandler (HTTP/1.1) on the uWebSockets.js port', () => h1Client(server.streamPort)],
];

describe.each(clients)('%s', (_label, make) => {
  let client: KinesisClient;
  const name = uniqueName('sdk');
  beforeAll(() => {
    client = make();
  });
  afterAll(() => client.destroy());

  it('creates a stream with AWS shard ranges and describes it', async () => {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
    const d = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
    expect(d?.StreamStatus).toBe('ACTIVE');
    expect(d?.StreamARN).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${name}`);
    expect(d?.RetentionPeriodHours).toBe(24);
    expect(d?.StreamModeDetails?.StreamMode).toBe('PROVISIONED');
    expect(d?.HasMoreShards).toBe(false);
    expect(d?.StreamCreationTimestamp).toBeInstanceOf(Date);
    expect(Math.abs((d?.StreamCreationTimestamp?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(d?.Shards?.map((s) => [s.ShardId, s.HashKeyRange?.StartingHashKey, s.HashKeyRange?.EndingHashKey])).toEqual([
      ['shardId-000000000000', '0', '170141183460469231731687303715884105727'],
      ['shardId-000000000001', '170141183460469231731687303715884105728', '340282366920938463463374607431768211455'],
    ]);
    const listed = await client.send(new ListStreamsCommand({}));
    expect(listed.StreamNames).toContain(name);
    expect(listed.StreamSummaries?.find((s) => s.StreamName === name)?.StreamStatus).toBe('ACTIVE');
    const shards = await client.send(new ListShardsCommand({ StreamName: name }));
    expect(shards.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    const page = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1 }));
    expect(page.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000']);
    const next = await client.send(new ListShardsCommand({ NextToken: page.NextToken }));
    expect(next.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000001']);
    expect(next.NextToken).toBeUndefined();
  });

  it('routes records by MD5 of the partition key and reads them back in order', async () => {
    const single = [];
    for (let i = 0; i < 3; i++) {
      single.push(await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'user_123', Data: utf8(`single-${i}`) })));
    }
    const expectedShard = `shardId-00000000000${md5Shard('user_123', 2)}`;
    expect(single.map((r) => r.ShardId)).toEqual([expectedShard, expectedShard, expectedShard]);
    const seqs = single.map((r) => BigInt(r.SequenceNumber ?? '0'));
    expect(seqs[1]! > seqs[0]! && seqs[2]! > seqs[1]!).toBe(true);

    const records = Array.from({ length: 200 }, (_, i) => ({ PartitionKey: `key-${i}`, Data: utf8(`batch-${i}`) }));
    const put = await client.send(new PutRecordsCommand({ StreamName: name, Records: records }));
    expect(put.FailedRecordCount).toBe(0);
    put.Records?.forEach((r, i) => {
      expect(r.ShardId).toBe(`shardId-00000000000${md5Shard(`key-${i}`, 2)}`);
      expect(r.SequenceNumber).toMatch(/^\d+$/);
    });

    const byShard = new Map<string, string[]>();
    for (const [i, r] of (put.Records ?? []).entries()) byShard.set(r.ShardId!, [...(byShard.get(r.ShardId!) ?? []), `batch-${i}`]);
    byShard.set(expectedShard, ['single-0', 'single-1', 'single-2', ...(byShard.get(expectedShard) ?? [])]);
    for (const [shardId, expected] of byShard) {
      const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const got = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      expect(got.Records?.map((r) => text(r.Data))).toEqual(expected);
      expect(got.MillisBehindLatest).toBe(0);
      const times = got.Records?.map((r) => r.ApproximateArrivalTimestamp?.getTime() ?? 0) ?? [];
      expect(times.every((t) => Math.abs(t - Date.now()) < 60_000)).toBe(true);
      const ordered = got.Records?.map((r) => BigInt(r.SequenceNumber!)) ?? [];
      for (let i = 1; i < ordered.length; i++) expect(ordered[i]! > ordered[i - 1]!).toBe(true);
      const again = await client.send(new GetRecordsCommand({ ShardIterator: got.NextShardIterator }));
      expect(again.Records).toEqual([]);
    }
  });

  it('supports every iterator type', async () => {
    const first = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'iter', Data: utf8('a') }));
    const second = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'iter', Data: utf8('b') }));
    const shard = first.ShardId!;
    const read = async (input: Partial<ConstructorParameters<typeof GetShardIteratorCommand>[0]>): Promise<string[]> => {
      const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: 'LATEST', ...input }));
      const got = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      return (got.Records ?? []).filter((r) => r.PartitionKey === 'iter').map((r) => text(r.Data));
    };
    expect(await read({ ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: first.SequenceNumber })).toEqual(['a', 'b']);
    expect(await read({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: first.SequenceNumber })).toEqual(['b']);
    expect(await read({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: second.SequenceNumber })).toEqual([]);
    expect(await read({ ShardIteratorType: 'TRIM_HORIZON' })).toEqual(['a', 'b']);
    const latest = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: 'LATEST' }));
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'iter', Data: utf8('c') }));
    const afterLatest = await client.send(new GetRecordsCommand({ ShardIterator: latest.ShardIterator }));
    expect(afterLatest.Records?.map((r) => text(r.Data))).toEqual(['c']);
    const since = new Date(Date.now() + 5);
    await new Promise((r) => setTimeout(r, 20));
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'iter', Data: utf8('d') }));
    expect(await read({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: since })).toEqual(['d']);
    expect(await read({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(0) })).toEqual(['a', 'b', 'c', 'd']);
  });

  it('honours SequenceNumberForOrdering and GetRecords Limit', async () => {
    const a = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'order', Data: utf8('o1') }));
    const b = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'order', Data: utf8('o2'), SequenceNumberForOrdering: a.SequenceNumber }));
    expect(BigInt(b.SequenceNumber!) > BigInt(a.SequenceNumber!)).toBe(true);
    // A number this shard has not issued yet is refused (it would let a client push the counter
    // to its limit); nothing is stored.
    const ahead = (BigInt(b.SequenceNumber!) + 1000n).toString();
    const refused = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'order', Data: utf8('x'), SequenceNumberForOrdering: ahead })).catch((e: unknown) => e);
    expect((refused as Error).name).toBe('InvalidArgumentException');
    expect((refused as Error).message).toBe(`ExclusiveMinimumSequenceNumber ${ahead} used in PutRecord on stream ${name} under account 000000000000 is invalid.`);
    const c = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'order', Data: utf8('o3'), SequenceNumberForOrdering: b.SequenceNumber }));
    expect(BigInt(c.SequenceNumber!) - BigInt(b.SequenceNumber!)).toBe(1n);
    const d = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'order', Data: utf8('o4') }));
    expect(BigInt(d.SequenceNumber!) > BigInt(c.SequenceNumber!)).toBe(true);

    let iterator = (
      await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: a.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: a.SequenceNumber }))
    ).ShardIterator;
    const pages: string[][] = [];
    for (let i = 0; i < 5; i++) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1 }));
      pages.push((page.Records ?? []).map((r) => text(r.Data)));
      if (i < 3) expect(page.MillisBehindLatest).toBeGreaterThanOrEqual(0);
      iterator = page.NextShardIterator;
    }
    expect(pages.slice(0, 4)).toEqual([['o1'], ['o2'], ['o3'], ['o4']]);
    expect(pages[4]).toEqual([]);
  });

  it('addresses streams by ARN, and manages tags, retention, mode and limits', async () => {
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
    const put = await client.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'arn', Data: utf8('by-arn') }));
    const it = await client.send(
      new GetShardIteratorCommand({ StreamARN: arn, ShardId: put.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.SequenceNumber }),
    );
    const got = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 1, StreamARN: arn }));
    expect(got.Records?.map((r) => [r.PartitionKey, text(r.Data), r.SequenceNumber])).toEqual([['arn', 'by-arn', put.SequenceNumber]]);

    await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { team: 'data', env: 'test' } }));
    await client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ['env'] }));
    const tags = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'data' }]);
    expect(tags.HasMoreTags).toBe(false);

    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
    await client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 36 }));
    const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    expect(summary?.RetentionPeriodHours).toBe(36);
    expect(summary?.OpenShardCount).toBe(2);
    expect(summary?.ConsumerCount).toBe(0);

    await client.send(new UpdateStreamModeCommand({ StreamARN: arn, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    const mode = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    expect(mode?.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
    expect(mode?.StreamStatus).toBe('ACTIVE');

    const limits = await client.send(new DescribeLimitsCommand({}));
    expect(limits.ShardLimit).toBe(500);
    expect(limits.OpenShardCount).toBeGreaterThanOrEqual(2);
    expect(limits.OnDemandStreamCount).toBeGreaterThanOrEqual(1);
    expect(limits.OnDemandStreamCountLimit).toBe(50);
  });

  it('creates on-demand streams with 4 shards and deletes streams', async () => {
    const od = `${name}-od`;
    await client.send(new CreateStreamCommand({ StreamName: od, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    const d = await client.send(new DescribeStreamCommand({ StreamName: od }));
    expect(d.StreamDescription?.Shards).toHaveLength(4);
    expect(d.StreamDescription?.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
    await client.send(new DeleteStreamCommand({ StreamName: od }));
    await client.send(new DeleteStreamCommand({ StreamName: name }));
    const gone = await client.send(new DescribeStreamCommand({ StreamName: name })).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect((gone as Error).message).toBe(`Stream ${name} under account 000000000000 not found.`);
  });
});
