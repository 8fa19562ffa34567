import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { h2Client, startServer, type RunningServer } from './harness.js';

// Resharding on a durable engine: the lineage survives a restart, and a kill -9 in the middle of
// reshards under load leaves each reshard done or not done: no acknowledged record lost or in two
// shards, the open shards partitioning the key space, every closed shard ended above its records.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX = (1n << 128n) - 1n;

async function shards(c: KinesisClient, name: string): Promise<Shard[]> {
  return (await c.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
}

async function readShard(c: KinesisClient, name: string, shardId: string): Promise<Array<{ seq: string; data: string }>> {
  let it = (await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: Array<{ seq: string; data: string }> = [];
  while (it !== undefined) {
    const page = await c.send(new GetRecordsCommand({ ShardIterator: it }));
    for (const r of page.Records ?? []) out.push({ seq: r.SequenceNumber as string, data: Buffer.from(r.Data as Uint8Array).toString() });
    if ((page.Records ?? []).length === 0 && page.NextShardIterator !== undefined) break; // an open shard's tip
    it = page.NextShardIterator;
  }
  return out;
}

/** The open shards' ranges partition the key space; every parent is listed. */
function checkLineage(list: Shard[]): void {
  const open = list.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined).map((s) => [BigInt(s.HashKeyRange?.StartingHashKey as string), BigInt(s.HashKeyRange?.EndingHashKey as string)] as const);
  open.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  expect(open[0]?.[0]).toBe(0n);
  expect(open[open.length - 1]?.[1]).toBe(MAX);
  for (let i = 1; i < open.length; i++) expect(open[i]?.[0]).toBe((open[i - 1]?.[1] as bigint) + 1n);
  const ids = new Set(list.map((s) => s.ShardId));
  for (const s of list) for (const p of [s.ParentShardId, s.AdjacentParentShardId]) if (p !== undefined) expect(ids.has(p)).toBe(true);
}

describe('resharding, durable', () => {
  it('keeps the lineage, the closed shards and their records across a restart, and goes on from there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-reshard-'));
    dirs.push(dir);
    let server: RunningServer = await startServer(['--data-dir', dir]);
    let c = h2Client(server.port);
    await c.send(new CreateStreamCommand({ StreamName: 'kept', ShardCount: 1 }));
    await c.send(new PutRecordCommand({ StreamName: 'kept', PartitionKey: 'a', Data: Buffer.from('p0') }));
    await c.send(new SplitShardCommand({ StreamName: 'kept', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
    await c.send(new PutRecordCommand({ StreamName: 'kept', PartitionKey: 'a', ExplicitHashKey: '7', Data: Buffer.from('c1') }));
    await c.send(new PutRecordCommand({ StreamName: 'kept', PartitionKey: 'a', ExplicitHashKey: MAX.toString(), Data: Buffer.from('c2') }));
    await c.send(new MergeShardsCommand({ StreamName: 'kept', ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' }));
    const before = await shards(c, 'kept');
    expect(before).toHaveLength(4);
    await server.stop();

    server = await startServer(['--data-dir', dir]);
    c = h2Client(server.port);
    try {
      expect(await shards(c, 'kept')).toEqual(before);
      expect((await readShard(c, 'kept', 'shardId-000000000000')).map((r) => r.data)).toEqual(['p0']);
      expect((await readShard(c, 'kept', 'shardId-000000000001')).map((r) => r.data)).toEqual(['c1']);
      expect((await readShard(c, 'kept', 'shardId-000000000002')).map((r) => r.data)).toEqual(['c2']);
      const put = await c.send(new PutRecordCommand({ StreamName: 'kept', PartitionKey: 'a', Data: Buffer.from('m') }));
      expect(put.ShardId).toBe('shardId-000000000003');
      await c.send(new UpdateShardCountCommand({ StreamName: 'kept', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
      const after = await shards(c, 'kept');
      expect(after.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003', 'shardId-000000000004', 'shardId-000000000005']);
      checkLineage(after);
    } finally {
      await server.stop();
    }
  });

  it('survives kill -9 in the middle of reshards under load: each reshard happened or not, no acknowledged record lost or in two shards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-reshard-kill-'));
    dirs.push(dir);
    const acked = new Map<string, { shardId: string; seq: string }>();
    let n = 0;
    let server: RunningServer = await startServer(['--data-dir', dir, '--no-throttle']);
    await h2Client(server.port).send(new CreateStreamCommand({ StreamName: 'kill', ShardCount: 2 }));
    for (let round = 0; round < 3; round++) {
      const c = h2Client(server.port);
      let stop = false;
      const producing = (async () => {
        while (!stop) {
          const records = Array.from({ length: 100 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`r${n + i}`) }));
          n += 100;
          try {
            const out = await c.send(new PutRecordsCommand({ StreamName: 'kill', Records: records }));
            (out.Records ?? []).forEach((r, i) => {
              if (r.ShardId !== undefined) acked.set(Buffer.from((records[i] as { Data: Buffer }).Data).toString(), { shardId: r.ShardId, seq: r.SequenceNumber as string });
            });
          } catch {
            return; // killed
          }
        }
      })();
      const resharding = (async () => {
        for (let i = 0; !stop; i++) {
          try {
            const open = (await shards(c, 'kill')).filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
            open.sort((a, b) => (BigInt(a.HashKeyRange?.StartingHashKey as string) < BigInt(b.HashKeyRange?.StartingHashKey as string) ? -1 : 1));
            if (i % 3 === 2 && open.length >= 2) {
              await c.send(new MergeShardsCommand({ StreamName: 'kill', ShardToMerge: open[0]?.ShardId, AdjacentShardToMerge: open[1]?.ShardId }));
            } else {
              const s = open[open.length - 1] as Shard;
              const mid = (BigInt(s.HashKeyRange?.StartingHashKey as string) + BigInt(s.HashKeyRange?.EndingHashKey as string)) / 2n;
              await c.send(new SplitShardCommand({ StreamName: 'kill', ShardToSplit: s.ShardId, NewStartingHashKey: mid.toString() }));
            }
          } catch {
            return;
          }
        }
      })();
      await sleep(300 + round * 170);
      server.child.kill('SIGKILL');
      stop = true;
      await Promise.all([producing, resharding]);
      await new Promise((r) => (server.alive() ? server.child.once('exit', r) : r(undefined)));
      server = await startServer(['--data-dir', dir, '--no-throttle']);
      const rc = h2Client(server.port);
      expect((await rc.send(new DescribeStreamSummaryCommand({ StreamName: 'kill' }))).StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
      const list = await shards(rc, 'kill');
      checkLineage(list);
      const found = new Map<string, { shardId: string; seq: string }>();
      for (const s of list) {
        const ending = s.SequenceNumberRange?.EndingSequenceNumber;
        for (const r of await readShard(rc, 'kill', s.ShardId as string)) {
          expect(found.has(r.data), `${r.data} in two places`).toBe(false);
          found.set(r.data, { shardId: s.ShardId as string, seq: r.seq });
          if (ending !== undefined) expect(BigInt(r.seq) < BigInt(ending)).toBe(true);
        }
      }
      for (const [data, where] of acked) expect(found.get(data), `acknowledged ${data}`).toEqual(where);
    }
    expect(acked.size).toBeGreaterThan(1000);
    await server.stop();
  }, 120_000);
});
