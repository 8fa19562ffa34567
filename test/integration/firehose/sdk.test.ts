import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateDeliveryStreamCommand, DeleteDeliveryStreamCommand, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand, PutRecordBatchCommand, PutRecordCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../harness.js';
import { bucketArn, firehoseClient, objectsIn, ROLE, waitFor } from './helpers.js';

let server: RunningServer;
let client: FirehoseClient;
let s3Dir: string;

beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'riffle-fh-'));
  server = await startServer(['--s3-dir', s3Dir]);
  client = firehoseClient(server.port);
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
  rmSync(s3Dir, { recursive: true, force: true });
});

describe('Firehose over the SDK v3 client (HTTP/1.1, its defaults)', () => {
  it('creates a DirectPut delivery stream, takes a batch and delivers it as one gzip object under the default prefix', async () => {
    const name = 'clicks-gzip';
    const created = await client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('clicks'), CompressionFormat: 'GZIP', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } },
      }),
    );
    expect(created.DeliveryStreamARN).toBe(`arn:aws:firehose:us-east-1:000000000000:deliverystream/${name}`);
    const { DeliveryStreamDescription: d } = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
    expect(d?.DeliveryStreamStatus).toBe('ACTIVE');
    expect(d?.VersionId).toBe('1');
    expect(d?.DeliveryStreamType).toBe('DirectPut');
    expect(d?.Destinations?.[0]?.DestinationId).toBe('destinationId-000000000001');
    expect(d?.Destinations?.[0]?.ExtendedS3DestinationDescription).toMatchObject({
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
      CompressionFormat: 'GZIP',
      EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
      S3BackupMode: 'Disabled',
    });

    const records = Array.from({ length: 300 }, (_, i) => ({ Data: Buffer.from(JSON.stringify({ i, page: `/p/${i % 7}` }) + '\n') }));
    const before = Date.now();
    const out = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records }));
    expect(out.FailedPutCount).toBe(0);
    expect(out.RequestResponses).toHaveLength(300);
    expect(new Set(out.RequestResponses?.map((r) => r.RecordId)).size).toBe(300);
    const single = await client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: Buffer.from('last\n') } }));
    expect(single.RecordId).toMatch(/^[A-Za-z0-9+/]{24}$/);

    const expected = Buffer.concat([...records.map((r) => r.Data), Buffer.from('last\n')]);
    const objects = await waitFor('the records delivered', () => {
      const all = objectsIn(s3Dir, 'clicks');
      const bytes = Buffer.concat([...all.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, b]) => gunzipSync(b)));
      return bytes.length >= expected.length ? all : undefined;
    });
    const keys = [...objects.keys()].sort();
    // Objects made in the same second sort by their UUID, not their order: each holds a run of the
    // records in order, and together they hold every record once.
    const bodies = keys.map((k) => gunzipSync(objects.get(k) as Buffer).toString());
    for (const b of bodies) expect(expected.toString()).toContain(b);
    expect(bodies.join('').split('\n').sort()).toEqual(expected.toString().split('\n').sort());
    for (const key of keys) {
      const m = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/clicks-gzip-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[0-9a-f-]{36}\.gz$/.exec(key);
      expect(m, key).not.toBeNull();
      const at = Date.UTC(Number(m![5]), Number(m![6]) - 1, Number(m![7]), Number(m![8]), Number(m![9]), Number(m![10]));
      expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
    }
  });

  it('lists delivery streams alphabetically, with Limit and ExclusiveStartDeliveryStreamName', async () => {
    for (const n of ['b-list', 'a-list', 'c-list']) {
      await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: n, S3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('lists') } }));
    }
    const all = await client.send(new ListDeliveryStreamsCommand({ Limit: 100 }));
    expect(all.DeliveryStreamNames).toEqual([...(all.DeliveryStreamNames ?? [])].sort());
    const page = await client.send(new ListDeliveryStreamsCommand({ Limit: 2, ExclusiveStartDeliveryStreamName: 'a-list' }));
    expect(page.DeliveryStreamNames).toEqual(['b-list', 'c-list']);
    expect(page.HasMoreDeliveryStreams).toBe(true);
    await client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'b-list' }));
    const after = await client.send(new ListDeliveryStreamsCommand({ ExclusiveStartDeliveryStreamName: 'a-list', Limit: 1 }));
    expect(after.DeliveryStreamNames).toEqual(['c-list']);
  });

  it('answers AWS errors for what does not exist, exists already, or breaks the model', async () => {
    await expect(client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Firehose nope under account 000000000000 not found.',
    });
    await expect(
      client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'a-list', S3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('x') } })),
    ).rejects.toMatchObject({ name: 'ResourceInUseException' });
    await expect(client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'no-dest' }))).rejects.toMatchObject({
      name: 'InvalidArgumentException',
      message: 'Exactly one destination configuration is supported for a Firehose',
    });
    await expect(
      client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'a-list', Records: [] })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining("at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1") });
    expect(server.alive()).toBe(true);
  });
});
