import { afterAll, beforeAll, expect, it } from 'vitest';
import { AwsError, Riffle } from 'riffle';

// Retention runs in the shard owners against the engine's shared clock; advancing that clock lets
// a test cross the 24-hour minimum without waiting. Owners trim once a second.
let riffle: Riffle;
beforeAll(async () => {
  riffle = await Riffle.start({ workers: 2, throttle: false });
});
afterAll(async () => {
  await riffle.close();
});

const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readAll(shardId: string, type: 'TRIM_HORIZON' | 'AT_SEQUENCE_NUMBER' = 'TRIM_HORIZON', seq?: string): Promise<string[]> {
  const { ShardIterator } = await riffle.kinesis.getShardIterator({
    StreamName: 'retained',
    ShardId: shardId,
    ShardIteratorType: type,
    ...(seq === undefined ? {} : { StartingSequenceNumber: seq }),
  });
  return (await riffle.kinesis.getRecords({ ShardIterator })).Records.map((r) => Buffer.from(r.Data).toString());
}

it('drops records older than the retention period, and only those', async () => {
  await riffle.kinesis.createStream({ StreamName: 'retained', ShardCount: 1 });
  const put = (prefix: string, n: number) =>
    riffle.kinesis.putRecords({ StreamName: 'retained', Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`${prefix}-${i}`) })) });
  const first = await put('old', 10);
  riffle.engine.clock.advance(23 * HOUR);
  await sleep(1300);
  expect(await readAll('shardId-000000000000')).toHaveLength(10);

  await put('new', 5);
  riffle.engine.clock.advance(2 * HOUR); // the first batch is now 25 h old, the second 2 h
  await sleep(1300);
  expect(await readAll('shardId-000000000000')).toEqual(['new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
  // An iterator at a trimmed record starts at the trim horizon, as AWS does.
  expect(await readAll('shardId-000000000000', 'AT_SEQUENCE_NUMBER', first.Records[0]?.SequenceNumber)).toHaveLength(5);

  // Longer retention keeps the rest past 24 hours.
  await riffle.kinesis.increaseStreamRetentionPeriod({ StreamName: 'retained', RetentionPeriodHours: 48 });
  riffle.engine.clock.advance(30 * HOUR);
  await sleep(1300);
  expect(await readAll('shardId-000000000000')).toHaveLength(5);
});

it('expires iterators after five minutes of engine time', async () => {
  const { ShardIterator } = await riffle.kinesis.getShardIterator({ StreamName: 'retained', ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' });
  riffle.engine.clock.advance(301_000);
  const err = await riffle.kinesis.getRecords({ ShardIterator }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AwsError);
  expect((err as AwsError).code).toBe('ExpiredIteratorException');
});
