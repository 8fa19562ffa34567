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
