import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, DescribeStreamSummaryCommand, MergeShardsCommand, PutRecordsCommand, SplitShardCommand, UpdateShardCountCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { describe, expect, it } from 'vitest';
import { h1Client, startServer, type RunningServer } from '../harness.js';
import { bucketArn, firehoseClient, objectsIn, ROLE, waitFor } from './helpers.js';

// A delivery stream whose Kinesis source is resharded: it reads each closed shard to its end, then
// its children, with a checkpoint per shard, across a kill -9; the internal log of a DirectPut
// delivery stream takes no part in any of it.
const KEYS = 10;

async function put(k: KinesisClient, stream: string, tag: string, perKey: number): Promise<string[]> {
  const records = [];
  for (let n = 0; n < perKey; n++) for (let key = 0; key < KEYS; key++) records.push({ PartitionKey: `key${key}`, Data: Buffer.from(`${tag}:key${key}:${n}`) });
  const out = await k.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
  expect(out.FailedRecordCount).toBe(0);
  return records.map((r) => r.Data.toString());
}

function delivered(objects: string, bucket: string): string[][] {
  return [...objectsIn(objects, bucket).values()].map((b) => b.toString().split('\n').filter((l) => l !== ''));
}

/** Within each object, each key's records of a phase in order (a child's after its parent's). */
function inOrder(objects: string[][]): boolean {
  for (const lines of objects) {
    const last = new Map<string, number>();
    for (const l of lines) {
      const [tag, key, n] = l.split(':') as [string, string, string];
      const k = `${tag}:${key}`;
      if ((last.get(k) ?? -1) >= Number(n)) return false;
      last.set(k, Number(n));
    }
  }
  return true;
}

describe('a resharded Kinesis source', () => {
  it('is followed through splits, a merge and UpdateShardCount, across kill -9, every record delivered', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'riffle-fh-lin-'));
    const objects = mkdtempSync(join(tmpdir(), 'riffle-fh-lin-obj-'));
    const args = ['--data-dir', dataDir, '--s3-dir', objects, '--no-throttle'];
    let server: RunningServer = await startServer(args);
    try {
      let k = h1Client(server.port);
      let f = firehoseClient(server.port);
      await k.send(new CreateStreamCommand({ StreamName: 'lin', ShardCount: 1 }));
      const arn = (await k.send(new DescribeStreamSummaryCommand({ StreamName: 'lin' }))).StreamDescriptionSummary?.StreamARN as string;
      await f.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'lin-out',
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: arn, RoleARN: ROLE },
          ExtendedS3DestinationConfiguration: {
            RoleARN: ROLE,
            BucketARN: bucketArn('lin-out'),
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
            ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
          },
        }),
      );
      const want: string[] = [];
      want.push(...(await put(k, 'lin', 'a', 5)));
      await k.send(new SplitShardCommand({ StreamName: 'lin', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
      want.push(...(await put(k, 'lin', 'b', 5)));
      await waitFor('the first two phases', () => (want.every((w) => delivered(objects, 'lin-out').flat().includes(w)) ? true : undefined));

      server.child.kill('SIGKILL');
      await server.stop();
      k.destroy();
      f.destroy();
      server = await startServer(args);
      k = h1Client(server.port);
      f = firehoseClient(server.port);
      // While it was down nothing was read; the children (and the merge's child) are found by lineage.
      await k.send(new MergeShardsCommand({ StreamName: 'lin', ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' }));
      want.push(...(await put(k, 'lin', 'c', 5)));
      await k.send(new UpdateShardCountCommand({ StreamName: 'lin', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
      want.push(...(await put(k, 'lin', 'd', 5)));
      const got = await waitFor('every phase', () => {
        const objs = delivered(objects, 'lin-out');
        return want.every((w) => objs.flat().includes(w)) ? objs : undefined;
      });
      const lines = got.flat();
      // At least once across the kill; exactly once for what was put after the restart.
      for (const w of want) expect(lines.filter((l) => l === w).length, w).toBeGreaterThanOrEqual(1);
      for (const w of want.filter((x) => x.startsWith('c:') || x.startsWith('d:'))) expect(lines.filter((l) => l === w).length, w).toBe(1);
      expect(inOrder(got)).toBe(true);
      k.destroy();
      f.destroy();
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(objects, { recursive: true, force: true });
    }
  }, 60_000);
});
