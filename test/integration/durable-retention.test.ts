import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Riffle } from 'riffle';

// Retention on durable logs, with the engine's shared clock advanced: whole segment files go, the
// trim horizon moves, AT_TIMESTAMP finds the first record at or after a time, and a restart on the
// same directory serves the same horizon.
const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'riffle-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function segmentFiles(): string[] {
  const streamDir = readdirSync(join(dir, 'streams')).find((d) => d.startsWith('kept.')) as string;
  return readdirSync(join(dir, 'streams', streamDir, 'shard-0')).filter((f) => f.endsWith('.seg'));
}

async function readFrom(riffle: Riffle, type: 'TRIM_HORIZON' | 'AT_TIMESTAMP', timestamp?: Date): Promise<string[]> {
  const { ShardIterator } = await riffle.kinesis.getShardIterator({ StreamName: 'kept', ShardId: 'shardId-000000000000', ShardIteratorType: type, ...(timestamp === undefined ? {} : { Timestamp: timestamp }) });
  return (await riffle.kinesis.getRecords({ ShardIterator, Limit: 10_000 })).Records.map((r) => Buffer.from(r.Data).toString());
}

it('deletes whole expired segment files, moves TRIM_HORIZON, and keeps it across a restart', async () => {
  let riffle = await Riffle.start({ dataDir: dir, segmentBytes: 4096, throttle: false, workers: 1 });
  await riffle.kinesis.createStream({ StreamName: 'kept', ShardCount: 1 });
  // 20 records per call: a segment file rolls between commits, so small calls make many files.
  const put = async (prefix: string, n: number) => {
    for (let from = 0; from < n; from += 20) {
      await riffle.kinesis.putRecords({ StreamName: 'kept', Records: Array.from({ length: 20 }, (_, k) => ({ PartitionKey: 'k', Data: Buffer.from(`${prefix}-${String(from + k).padStart(3, '0')}`.padEnd(60, '.')) })) });
    }
  };
  await put('old', 200);
  riffle.engine.clock.advance(20 * HOUR);
  const newStart = new Date(riffle.engine.clock.now());
  await put('new', 200);
  const before = segmentFiles().length;
  expect(before).toBeGreaterThan(6);
  riffle.engine.clock.advance(5 * HOUR); // 'old' is 25 h old, past the 24 h retention; 'new' is 5 h
  await sleep(1500);
  const expected = Array.from({ length: 200 }, (_, i) => `new-${String(i).padStart(3, '0')}`.padEnd(60, '.'));
  expect(await readFrom(riffle, 'TRIM_HORIZON')).toEqual(expected);
  expect(await readFrom(riffle, 'AT_TIMESTAMP', newStart)).toEqual(expected);
  const after = segmentFiles().length;
  expect(after).toBeLessThan(before);
  expect(after).toBeGreaterThanOrEqual(Math.floor(before / 2) - 1); // only the files of 'old' went
  const clockNow = riffle.engine.clock.now();
  await riffle.close();

  // A restart reads the same directory; its clock is the wall clock again, so move it to where the
  // first run left off before looking.
  riffle = await Riffle.start({ dataDir: dir, segmentBytes: 4096, throttle: false, workers: 1 });
  try {
    riffle.engine.clock.advance(clockNow - riffle.engine.clock.now());
    await sleep(1500);
    expect(await readFrom(riffle, 'TRIM_HORIZON')).toEqual(expected);
  } finally {
    await riffle.close();
  }
}, 60_000);
