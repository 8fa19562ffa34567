import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError, Riffle } from 'riffle';

// In process (same operation layer as the endpoints), unthrottled, so large volumes are quick.
let riffle: Riffle;
beforeAll(async () => {
  riffle = await Riffle.start({ workers: 2, throttle: false });
});
afterAll(async () => {
  await riffle.close();
});

const error = async (p: Promise<unknown>): Promise<AwsError> => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AwsError);
  return e as AwsError;
};

describe('pagination', () => {
  it('DescribeStream returns at most 100 shards and continues from ExclusiveStartShardId', async () => {
    await riffle.kinesis.createStream({ StreamName: 'wide', ShardCount: 120 });
    const first = (await riffle.kinesis.describeStream({ StreamName: 'wide', Limit: 1000 })).StreamDescription;
    expect(first.Shards).toHaveLength(100);
    expect(first.HasMoreShards).toBe(true);
    const rest = (await riffle.kinesis.describeStream({ StreamName: 'wide', ExclusiveStartShardId: first.Shards[99]?.ShardId })).StreamDescription;
    expect(rest.Shards.map((s) => s.ShardId)).toEqual(Array.from({ length: 20 }, (_, i) => `shardId-${String(100 + i).padStart(12, '0')}`));
    expect(rest.HasMoreShards).toBe(false);
    expect(rest.Shards[19]?.HashKeyRange.EndingHashKey).toBe(((1n << 128n) - 1n).toString());
  });

  it('ListShards pages with NextToken and filters AFTER_SHARD_ID', async () => {
    const seen: string[] = [];
    let page = await riffle.kinesis.listShards({ StreamName: 'wide', MaxResults: 50 });
    seen.push(...page.Shards.map((s) => s.ShardId));
    while (page.NextToken !== undefined) {
      page = await riffle.kinesis.listShards({ NextToken: page.NextToken, MaxResults: 50 });
      seen.push(...page.Shards.map((s) => s.ShardId));
    }
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    const after = await riffle.kinesis.listShards({ StreamName: 'wide', ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000117' } });
    expect(after.Shards.map((s) => s.ShardId)).toEqual(['shardId-000000000118', 'shardId-000000000119']);
    const token = (await riffle.kinesis.listShards({ StreamName: 'wide', MaxResults: 1 })).NextToken;
    expect((await error(riffle.kinesis.listShards({ NextToken: token, ExclusiveStartShardId: 'shardId-000000000001' }))).message).toBe(
      'NextToken and ExclusiveStartShardId cannot be provided together.',
    );
    expect((await error(riffle.kinesis.listShards({ NextToken: token, StreamName: 'wide' }))).message).toBe('NextToken and StreamName cannot be provided together.');
    expect((await error(riffle.kinesis.listShards({}))).message).toBe('Either NextToken or StreamName should be provided.');
  });

  it('ListStreams pages with NextToken', async () => {
    for (const n of ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']) await riffle.kinesis.createStream({ StreamName: n, ShardCount: 1 });
    const names: string[] = [];
    let page = await riffle.kinesis.listStreams({ Limit: 2 });
    names.push(...page.StreamNames);
    while (page.HasMoreStreams) {
      expect(page.NextToken).toBeDefined();
      page = await riffle.kinesis.listStreams({ Limit: 2, NextToken: page.NextToken });
      names.push(...page.StreamNames);
    }
    expect(names).toEqual(['p-a', 'p-b', 'p-c', 'p-d', 'p-e', 'wide']);
  });
});

describe('GetRecords caps', () => {
  it('returns at most 10,000 records per call', async () => {
    await riffle.kinesis.createStream({ StreamName: 'many', ShardCount: 1 });
    for (let b = 0; b < 21; b++) {
      const out = await riffle.kinesis.putRecords({ StreamName: 'many', Records: Array.from({ length: 500 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`${b * 500 + i}`) })) });
      expect(out.FailedRecordCount).toBe(0);
    }
    const { ShardIterator } = await riffle.kinesis.getShardIterator({ StreamName: 'many', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
    const first = await riffle.kinesis.getRecords({ ShardIterator });
    expect(first.Records).toHaveLength(10_000);
    expect(Buffer.from(first.Records[9999]!.Data).toString()).toBe('9999');
    const second = await riffle.kinesis.getRecords({ ShardIterator: first.NextShardIterator });
    expect(second.Records.map((r) => Number(Buffer.from(r.Data).toString()))).toEqual(Array.from({ length: 500 }, (_, i) => 10_000 + i));
  });

  it('returns at most 10 MiB per call', async () => {
    await riffle.kinesis.createStream({ StreamName: 'heavy', ShardCount: 1 });
    for (let i = 0; i < 12; i++) await riffle.kinesis.putRecord({ StreamName: 'heavy', PartitionKey: 'k', Data: Buffer.alloc(1_000_000, i) });
    const { ShardIterator } = await riffle.kinesis.getShardIterator({ StreamName: 'heavy', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
    const first = await riffle.kinesis.getRecords({ ShardIterator });
    expect(first.Records).toHaveLength(10); // 10 × (1,000,000 + 1) bytes ≤ 10 MiB < 11 × ...
    expect(first.Records.map((r) => r.Data[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Two records are still unread: the reader is behind the tip by their age.
    expect(first.MillisBehindLatest).toBeLessThan(1000); // measured before the clock moved
    riffle.engine.clock.advance(5000);
    const second = await riffle.kinesis.getRecords({ ShardIterator: first.NextShardIterator, Limit: 1 });
    expect(second.Records.map((r) => r.Data[0])).toEqual([10]);
    expect(second.MillisBehindLatest).toBeGreaterThanOrEqual(5000);
    const third = await riffle.kinesis.getRecords({ ShardIterator: second.NextShardIterator });
    expect(third.Records.map((r) => r.Data[0])).toEqual([11]);
    expect(third.MillisBehindLatest).toBe(0);
  });
});
