import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h1Client, startServer, type RunningServer } from '../harness.js';
import { bucketArn, firehoseClient, objectsIn, ROLE, waitFor } from './helpers.js';

const { aggregate } = createRequire(import.meta.url)('aws-kinesis-agg') as {
  aggregate(records: Array<{ partitionKey: string; data: Buffer }>, onReady: (r: { data: Buffer; partitionKey: string }, cb: (err?: Error) => void) => void, done: () => void, onError: (err: Error) => void): void;
};

/** KPL-aggregated records of `users` (aws-kinesis-agg, the KPL's format, written by nobody here). */
function kplAggregate(users: Array<{ partitionKey: string; data: Buffer }>): Promise<Array<{ data: Buffer; partitionKey: string }>> {
  return new Promise((resolve, reject) => {
    const out: Array<{ data: Buffer; partitionKey: string }> = [];
    aggregate(users, (r, cb) => (out.push(r), cb()), () => resolve(out), reject);
  });
}

let server: RunningServer;
let kinesis: KinesisClient;
let firehose: FirehoseClient;
let s3Dir: string;

beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'riffle-fh-src-'));
  server = await startServer(['--s3-dir', s3Dir, '--no-throttle']);
  kinesis = h1Client(server.port);
  firehose = firehoseClient(server.port);
});
afterAll(async () => {
  kinesis?.destroy();
  firehose?.destroy();
  await server?.stop();
  rmSync(s3Dir, { recursive: true, force: true });
});

describe('a Kinesis stream as the source of a delivery stream', () => {
  it('delivers what is put after creation (LATEST), from every shard, de-aggregating KPL records; PutRecordBatch is refused', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'src', ShardCount: 3 }));
    const arn = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'src' }))).StreamDescriptionSummary?.StreamARN as string;
    // Before the delivery stream exists: never delivered (it starts at LATEST).
    await kinesis.send(new PutRecordCommand({ StreamName: 'src', PartitionKey: 'early', Data: Buffer.from('before-creation') }));

    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'from-src',
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: arn, RoleARN: ROLE },
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: bucketArn('from-src'),
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        },
      }),
    );
    const d = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'from-src' }))).DeliveryStreamDescription;
    expect(d?.DeliveryStreamType).toBe('KinesisStreamAsSource');
    expect(d?.Source?.KinesisStreamSourceDescription).toMatchObject({ KinesisStreamARN: arn, RoleARN: ROLE });
    expect(d?.Source?.KinesisStreamSourceDescription?.DeliveryStartTimestamp).toBeInstanceOf(Date);

    await expect(firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'from-src', Records: [{ Data: Buffer.from('x') }] }))).rejects.toMatchObject({
      name: 'InvalidArgumentException',
      message: 'This operation is not permitted on KinesisStreamAsSource delivery stream type.',
    });

    const plain = Array.from({ length: 200 }, (_, i) => `plain-${i}`);
    await kinesis.send(new PutRecordsCommand({ StreamName: 'src', Records: plain.map((p, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(p) })) }));
    const users = Array.from({ length: 300 }, (_, i) => ({ partitionKey: `u${i % 17}`, data: Buffer.from(`agg-${i}`) }));
    const aggregated = await kplAggregate(users);
    expect(aggregated.length).toBeLessThan(users.length);
    await kinesis.send(new PutRecordsCommand({ StreamName: 'src', Records: aggregated.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })) }));

    const want = [...plain, ...users.map((u) => u.data.toString())].sort();
    const lines = await waitFor('every record delivered', () => {
      const got = [...objectsIn(s3Dir, 'from-src').values()].flatMap((b) => b.toString().split('\n').filter((l) => l !== ''));
      return got.length >= want.length ? got : undefined;
    });
    expect(lines.sort()).toEqual(want);
    expect(lines).not.toContain('before-creation');
  });

  it('after kill -9 and a restart, goes on from where it was (records put before the crash are delivered, none from before creation)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'riffle-fh-src-data-'));
    const objects = mkdtempSync(join(tmpdir(), 'riffle-fh-src-obj-'));
    let durable = await startServer(['--data-dir', dataDir, '--s3-dir', objects, '--no-throttle']);
    try {
      let k = h1Client(durable.port);
      let f = firehoseClient(durable.port);
      await k.send(new CreateStreamCommand({ StreamName: 'src2', ShardCount: 2 }));
      const arn = (await k.send(new DescribeStreamSummaryCommand({ StreamName: 'src2' }))).StreamDescriptionSummary?.StreamARN as string;
      await k.send(new PutRecordCommand({ StreamName: 'src2', PartitionKey: 'early', Data: Buffer.from('before-creation') }));
      await f.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'survives',
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: arn, RoleARN: ROLE },
          // Nothing is delivered before the crash: 1 MiB or 15 minutes.
          ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('survives'), BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 }, ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] } },
        }),
      );
      const before = Array.from({ length: 50 }, (_, i) => `pre-crash-${i}`);
      await k.send(new PutRecordsCommand({ StreamName: 'src2', Records: before.map((d, i) => ({ PartitionKey: `p${i}`, Data: Buffer.from(d) })) }));
      durable.child.kill('SIGKILL');
      await durable.stop();
      k.destroy();
      f.destroy();
      durable = await startServer(['--data-dir', dataDir, '--s3-dir', objects, '--no-throttle']);
      k = h1Client(durable.port);
      f = firehoseClient(durable.port);
      // Over 1 MiB after the restart: the size condition delivers everything buffered since the checkpoint.
      const filler = Array.from({ length: 300 }, (_, i) => `post-${i}-${'x'.repeat(4000)}`);
      await k.send(new PutRecordsCommand({ StreamName: 'src2', Records: filler.map((d, i) => ({ PartitionKey: `q${i}`, Data: Buffer.from(d) })) }));
      const lines = await waitFor('the records from before the crash', () => {
        const got = [...objectsIn(objects, 'survives').values()].flatMap((b) => b.toString().split('\n').filter((l) => l !== ''));
        return before.every((b) => got.includes(b)) ? got : undefined;
      });
      expect(lines).not.toContain('before-creation');
      k.destroy();
      f.destroy();
    } finally {
      await durable.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(objects, { recursive: true, force: true });
    }
  });

  it('a checkpoint names every shard, also those with nothing in the object: a quiet shard keeps its place across kill -9', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'riffle-fh-src-quiet-'));
    const objects = mkdtempSync(join(tmpdir(), 'riffle-fh-src-quiet-obj-'));
    const SHARD_0 = '0';
    const SHARD_1 = '340282366920938463463374607431768211455';
    const lines = (): string[] => [...objectsIn(objects, 'quiet').values()].flatMap((b) => b.toString().split('\n').filter((l) => l !== ''));
    const big = (tag: string) => Array.from({ length: 300 }, (_, i) => ({ PartitionKey: 'k', ExplicitHashKey: SHARD_0, Data: Buffer.from(`${tag}-${i}-${'x'.repeat(4000)}`) }));
    let durable = await startServer(['--data-dir', dataDir, '--s3-dir', objects, '--no-throttle']);
    try {
      let k = h1Client(durable.port);
      let f = firehoseClient(durable.port);
      await k.send(new CreateStreamCommand({ StreamName: 'src3', ShardCount: 2 }));
      const arn = (await k.send(new DescribeStreamSummaryCommand({ StreamName: 'src3' }))).StreamDescriptionSummary?.StreamARN as string;
      await f.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'quiet',
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: arn, RoleARN: ROLE },
          ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('quiet'), BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 }, ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] } },
        }),
      );
      // Shard 0 alone fills an object (1 MiB): the checkpoint after it must still name shard 1.
      await k.send(new PutRecordsCommand({ StreamName: 'src3', Records: big('first') }));
      await waitFor('the first object', () => lines().length > 0 || undefined);
      // Then shard 1 gets records that stay buffered (less than 1 MiB, 15 minutes) until the crash.
      await k.send(new PutRecordsCommand({ StreamName: 'src3', Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: 'q', ExplicitHashKey: SHARD_1, Data: Buffer.from(`quiet-${i}`) })) }));
      durable.child.kill('SIGKILL');
      await durable.stop();
      k.destroy();
      f.destroy();
      durable = await startServer(['--data-dir', dataDir, '--s3-dir', objects, '--no-throttle']);
      k = h1Client(durable.port);
      f = firehoseClient(durable.port);
      await k.send(new PutRecordsCommand({ StreamName: 'src3', Records: big('second') }));
      const quiet = Array.from({ length: 20 }, (_, i) => `quiet-${i}`);
      await waitFor('the quiet shard records', () => quiet.every((q) => lines().includes(q)) || undefined);
      k.destroy();
      f.destroy();
    } finally {
      await durable.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(objects, { recursive: true, force: true });
    }
  });

  it('refuses a source stream that does not exist', async () => {
    await expect(
      firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'no-src',
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/missing', RoleARN: ROLE },
          ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('x') },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    expect(server.alive()).toBe(true);
  });
});
