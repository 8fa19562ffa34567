import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  PutRecordsCommand,
  UpdateStreamModeCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { h1Client, startServer, type RunningServer } from './harness.js';

// On-demand streams scale for real: under a write load above half their capacity, busy shards are
// split (ListShards shows it) and fewer records are throttled as capacity catches up. The window is
// 2 s here instead of a minute, so the test takes seconds.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RunningServer;
let client: KinesisClient;
beforeAll(async () => {
  server = await startServer(['--on-demand-window-ms', '2000']);
  client = h1Client(server.port);
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/internal failure|Error:|did not take effect/);
  await server.stop();
});

async function openShards(name: string): Promise<number> {
  return (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.OpenShardCount as number;
}

/** One second of load at `mibPerSec` (records of 10 KiB, random keys): how many were throttled, of how many. */
async function second(name: string, mibPerSec: number): Promise<{ throttled: number; sent: number }> {
  const calls = mibPerSec * 2;
  let throttled = 0;
  let sent = 0;
  const started = Date.now();
  for (let c = 0; c < calls; c++) {
    const records = Array.from({ length: 50 }, () => ({ PartitionKey: randomBytes(8).toString('hex'), Data: randomBytes(10 * 1024 - 16) }));
    const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: records }));
    throttled += out.FailedRecordCount ?? 0;
    sent += records.length;
    const due = started + ((c + 1) * 1000) / calls;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  return { throttled, sent };
}

describe('on-demand streams', () => {
  it('split busy shards under load, so throttling falls as capacity grows to double the demand; the mode can change with the shards kept', async () => {
    const name = 'od-scale';
    await client.send(new CreateStreamCommand({ StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    expect(await openShards(name)).toBe(4);
    // 8 MiB/s against 4 MiB/s of capacity: the shards' first second of burst, then half throttled.
    await second(name, 8);
    const first = await second(name, 8);
    expect(first.throttled / first.sent).toBeGreaterThan(0.25);
    let last = first;
    for (let s = 0; s < 9; s++) last = await second(name, 8);
    // 8 MiB/s needs 16 shards to be at half of each one's limit.
    const grown = await openShards(name);
    expect(grown).toBeGreaterThanOrEqual(12);
    expect(last.throttled / last.sent).toBeLessThan(first.throttled / first.sent / 3);
    // The load rises again, to 12 MiB/s: the stream grows with it (capacity now leads, so nothing
    // is throttled on the way).
    let rising = { throttled: 0, sent: 0 };
    for (let s = 0; s < 4; s++) {
      const got = await second(name, 12);
      rising = { throttled: rising.throttled + got.throttled, sent: rising.sent + got.sent };
    }
    expect(await openShards(name)).toBeGreaterThan(grown);
    expect(rising.throttled / rising.sent).toBeLessThan(0.05);
    const all = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
    expect(all.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber !== undefined).length).toBeGreaterThanOrEqual(4);
    expect(all.every((s) => s.ShardId !== undefined)).toBe(true);

    // Quiet: no more splits.
    await sleep(2500);
    const settled = await openShards(name);
    await sleep(2500);
    expect(await openShards(name)).toBe(settled);

    // To PROVISIONED and back: the shards stay as they are.
    const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN as string;
    await client.send(new UpdateStreamModeCommand({ StreamARN: arn, StreamModeDetails: { StreamMode: 'PROVISIONED' } }));
    for (let i = 0; i < 100 && (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE'; i++) await sleep(20);
    const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    expect(summary?.StreamModeDetails?.StreamMode).toBe('PROVISIONED');
    expect(summary?.OpenShardCount).toBe(settled);
    // A provisioned stream does not scale by itself.
    await second(name, 8);
    await second(name, 8);
    await sleep(500);
    expect(await openShards(name)).toBe(settled);
  }, 60_000);
});
