import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDeliveryStreamCommand, DeleteDeliveryStreamCommand, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from '../harness.js';
import { bucketArn, firehoseClient, ROLE } from './helpers.js';

let dataDir: string;
let s3Dir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'riffle-fh-restart-'));
  s3Dir = mkdtempSync(join(tmpdir(), 'riffle-fh-restart-obj-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(s3Dir, { recursive: true, force: true });
});

it('a restart brings delivery streams back as they were, and finishes a deletion the crash interrupted', async () => {
  // Deletions take a minute here, so kill -9 lands between the answer and the files going.
  let server = await startServer(['--data-dir', dataDir, '--s3-dir', s3Dir, '--delete-stream-ms', '60000']);
  let client = firehoseClient(server.port);
  const config = { RoleARN: ROLE, BucketARN: bucketArn('kept'), CompressionFormat: 'GZIP' as const, Prefix: 'p/', BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 900 } };
  await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'kept', ExtendedS3DestinationConfiguration: config, Tags: [{ Key: 'team', Value: 'web' }] }));
  await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'dropped', S3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('dropped') } }));
  await client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'dropped', Records: [{ Data: Buffer.from('never delivered') }] }));
  const before = (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'kept' }))).DeliveryStreamDescription;
  await client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'dropped' }));
  expect((await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'dropped' }))).DeliveryStreamDescription?.DeliveryStreamStatus).toBe('DELETING');
  const firehoseDir = join(dataDir, 'firehose');
  expect(readdirSync(firehoseDir).filter((n) => n.startsWith('dropped.'))).toHaveLength(1);
  server.child.kill('SIGKILL');
  await server.stop();
  client.destroy();

  server = await startServer(['--data-dir', dataDir, '--s3-dir', s3Dir]);
  client = firehoseClient(server.port);
  try {
    expect((await client.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual(['kept']);
    const after = (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'kept' }))).DeliveryStreamDescription;
    expect(after).toEqual(before);
    expect(readdirSync(firehoseDir).filter((n) => n.startsWith('dropped.'))).toEqual([]);
    expect(server.stdout() + server.stderr()).toContain('deleted before the last shutdown');
    expect(existsSync(join(s3Dir, 'dropped'))).toBe(false);
  } finally {
    client.destroy();
    await server.stop();
  }
});
