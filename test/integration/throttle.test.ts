import { afterAll, describe, expect, it } from 'vitest';
import { rawRequest, startServer, uniqueName, type RunningServer } from './harness.js';

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const K = (op: string): string => `Kinesis_20131202.${op}`;

/**
 * Drives one shard with PutRecords batches for `seconds`, as fast as one client can, and counts
 * what was accepted and what came back throttled per record.
 */
async function drive(server: RunningServer, stream: string, recordBytes: number, batch: number, seconds: number) {
  const data = Buffer.alloc(recordBytes, 7).toString('base64');
  const body = JSON.stringify({ StreamName: stream, Records: Array.from({ length: batch }, () => ({ PartitionKey: 'p', Data: data })) });
  let accepted = 0;
  let throttled = 0;
  const start = Date.now();
  const end = start + seconds * 1000;
  while (Date.now() < end) {
    const res = await rawRequest(server.port, K('PutRecords'), body);
    expect(res.status).toBe(200);
    const out = res.json() as { FailedRecordCount: number; Records: Array<{ ErrorCode?: string; ErrorMessage?: string }> };
    accepted += batch - out.FailedRecordCount;
    throttled += out.FailedRecordCount;
    for (const r of out.Records) {
      if (r.ErrorCode !== undefined) {
        expect(r.ErrorCode).toBe('ProvisionedThroughputExceededException');
        expect(r.ErrorMessage).toBe(`Rate exceeded for shard shardId-000000000000 in stream ${stream} under account 000000000000.`);
      }
    }
  }
  return { accepted, throttled, elapsedSec: (Date.now() - start) / 1000 };
}

async function oneShardStream(server: RunningServer): Promise<string> {
  const stream = uniqueName('thr');
  expect((await rawRequest(server.port, K('CreateStream'), JSON.stringify({ StreamName: stream, ShardCount: 1 }))).status).toBe(200);
  return stream;
}

describe('per-shard write limits', () => {
  it('accepts about 1,000 records/s on one shard and rejects the excess per record', async () => {
    const server = await startServer();
    servers.push(server);
    const stream = await oneShardStream(server);
    const { accepted, throttled, elapsedSec } = await drive(server, stream, 10, 500, 3);
    // One second of burst (a full bucket) plus 1,000/s while driving.
    const expected = 1000 + 1000 * elapsedSec;
    expect(accepted).toBeGreaterThan(expected * 0.85);
    expect(accepted).toBeLessThan(expected * 1.1);
    expect(throttled).toBeGreaterThan(0);
    // Exactly the accepted records are stored: none of the rejected ones, none lost.
    const it = await rawRequest(server.port, K('GetShardIterator'), JSON.stringify({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await rawRequest(server.port, K('GetRecords'), JSON.stringify({ ShardIterator: it.json().ShardIterator }));
    expect((got.json().Records as unknown[]).length).toBe(accepted);
  });

  it('accepts about 1 MiB/s on one shard', async () => {
    const server = await startServer();
    servers.push(server);
    const stream = await oneShardStream(server);
    const recordBytes = 64 * 1024 - 1; // plus the 1-byte key: 64 KiB per record, 16 per MiB
    const { accepted, throttled, elapsedSec } = await drive(server, stream, recordBytes, 20, 3);
    const acceptedMiB = (accepted * 64) / 1024;
    const expectedMiB = 1 + elapsedSec;
    expect(acceptedMiB).toBeGreaterThan(expectedMiB * 0.85);
    expect(acceptedMiB).toBeLessThan(expectedMiB * 1.1);
    expect(throttled).toBeGreaterThan(0);
  });

  it('PutRecord over the limit throws ProvisionedThroughputExceededException', async () => {
    const server = await startServer();
    servers.push(server);
    const stream = await oneShardStream(server);
    // 20 × 64 KiB empties the 1 MiB bucket; 256 KiB more needs ~250 ms of refill, so it is refused.
    await drive(server, stream, 64 * 1024 - 1, 20, 0.05);
    const res = await rawRequest(server.port, K('PutRecord'), JSON.stringify({ StreamName: stream, PartitionKey: 'p', Data: Buffer.alloc(256 * 1024).toString('base64') }));
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      __type: 'ProvisionedThroughputExceededException',
      message: `Rate exceeded for shard shardId-000000000000 in stream ${stream} under account 000000000000.`,
    });
  });

  it('throttles GetRecords past 5 calls per second per shard', async () => {
    const server = await startServer();
    servers.push(server);
    const stream = await oneShardStream(server);
    const it = await rawRequest(server.port, K('GetShardIterator'), JSON.stringify({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }));
    const iterator = it.json().ShardIterator as string;
    const statuses: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await rawRequest(server.port, K('GetRecords'), JSON.stringify({ ShardIterator: iterator }));
      statuses.push(res.status === 200 ? 'ok' : (res.json().__type as string));
    }
    expect(statuses.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(statuses.slice(5).every((s) => s === 'ProvisionedThroughputExceededException')).toBe(true);
  });

  it('takes its limits from options', async () => {
    const server = await startServer(['--write-records-per-sec', '200', '--read-calls-per-sec', '2']);
    servers.push(server);
    const stream = await oneShardStream(server);
    const body = JSON.stringify({ StreamName: stream, Records: Array.from({ length: 500 }, () => ({ PartitionKey: 'p', Data: 'AA==' })) });
    const put = (await rawRequest(server.port, K('PutRecords'), body)).json() as { FailedRecordCount: number; Records: Array<{ ErrorCode?: string }> };
    expect(put.FailedRecordCount).toBe(300);
    // All-or-nothing per record, in order: the first 200 fit the bucket, the rest do not.
    expect(put.Records.slice(0, 200).every((r) => r.ErrorCode === undefined)).toBe(true);
    expect(put.Records.slice(200).every((r) => r.ErrorCode === 'ProvisionedThroughputExceededException')).toBe(true);
    const it = await rawRequest(server.port, K('GetShardIterator'), JSON.stringify({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await rawRequest(server.port, K('GetRecords'), JSON.stringify({ ShardIterator: it.json().ShardIterator }))).status);
    expect(statuses).toEqual([200, 200, 400]);
  });

  it('--no-throttle accepts everything', async () => {
    const server = await startServer(['--no-throttle']);
    servers.push(server);
    const stream = await oneShardStream(server);
    const { accepted, throttled, elapsedSec } = await drive(server, stream, 10, 500, 2);
    expect(throttled).toBe(0);
    const single = await rawRequest(server.port, K('PutRecord'), JSON.stringify({ StreamName: stream, PartitionKey: 'p', Data: 'AA==' }));
    expect(single.status).toBe(200);
    expect(accepted).toBeGreaterThan(2000 + 1000 * elapsedSec);
  });
});
