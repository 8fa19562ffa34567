import { afterAll, beforeAll, expect, it } from 'vitest';
// The package's own name: what an embedding application imports.
import { KinesisError, Riffle } from 'riffle';

let riffle: Riffle;
beforeAll(async () => {
  riffle = await Riffle.start({ workers: 2, throttle: false });
});
afterAll(async () => {
  await riffle.close();
});

it('runs the same operations in process, typed, without sockets', async () => {
  await riffle.kinesis.createStream({ StreamName: 'embedded', ShardCount: 3 });
  const put = await riffle.kinesis.putRecords({
    StreamName: 'embedded',
    Records: Array.from({ length: 300 }, (_, i) => ({ PartitionKey: `device-${i % 30}`, Data: Buffer.from(`reading-${i}`) })),
  });
  expect(put.FailedRecordCount).toBe(0);
  const shards = (await riffle.kinesis.listShards({ StreamName: 'embedded' })).Shards.map((s) => s.ShardId);
  expect(shards).toHaveLength(3);
  const seen: string[] = [];
  for (const ShardId of shards) {
    const { ShardIterator } = await riffle.kinesis.getShardIterator({ StreamName: 'embedded', ShardId, ShardIteratorType: 'TRIM_HORIZON' });
    const got = await riffle.kinesis.getRecords({ ShardIterator });
    for (const r of got.Records) {
      expect(r.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
      seen.push(Buffer.from(r.Data).toString());
    }
  }
  expect(seen.sort()).toEqual(Array.from({ length: 300 }, (_, i) => `reading-${i}`).sort());
});

it('raises the same AWS errors as the endpoint', async () => {
  const err = await riffle.kinesis.putRecord({ StreamName: 'missing', PartitionKey: 'k', Data: new Uint8Array(1) }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KinesisError);
  expect((err as KinesisError).code).toBe('ResourceNotFoundException');
  const bad = await riffle.call('PutRecord', { StreamName: 'embedded', PartitionKey: '', Data: new Uint8Array(1) }).catch((e: unknown) => e);
  expect((bad as KinesisError).code).toBe('ValidationException');
});

it('refuses an operation it does not have, by name, as AWS does', async () => {
  const err = await riffle.call('SplitShardz', {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KinesisError);
  expect(err).toMatchObject({ code: 'UnknownOperationException', message: 'Kinesis_20131202 has no operation SplitShardz.', httpStatus: 400 });
});
