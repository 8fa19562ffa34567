import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListTagsForDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand,
  UpdateDestinationCommand,
  type FirehoseClient,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startServer, type RunningServer } from '../harness.js';
import { bucketArn, firehoseClient, objectsIn, ROLE, waitFor } from './helpers.js';

let server: RunningServer;
let client: FirehoseClient;
let s3Dir: string;

beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'riffle-fh-api-'));
  server = await startServer(['--s3-dir', s3Dir, '--firehose-records-per-sec', '100', '--firehose-calls-per-sec', '1000']);
  client = firehoseClient(server.port);
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
  rmSync(s3Dir, { recursive: true, force: true });
});

const s3 = (bucket: string, more: Record<string, unknown> = {}) => ({ RoleARN: ROLE, BucketARN: bucketArn(bucket), ...more });

describe('Firehose control plane', () => {
  it('UpdateDestination checks the version, merges the update, adds 1 to VersionId, and new objects carry it', async () => {
    const name = 'upd';
    await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: s3('upd', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 }, Prefix: 'v1/' }) }));
    await expect(
      client.send(new UpdateDestinationCommand({ DeliveryStreamName: name, CurrentDeliveryStreamVersionId: '2', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: { Prefix: 'v2/' } })),
    ).rejects.toMatchObject({ name: 'ConcurrentModificationException' });
    await expect(
      client.send(new UpdateDestinationCommand({ DeliveryStreamName: name, CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000002', ExtendedS3DestinationUpdate: { Prefix: 'v2/' } })),
    ).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    await client.send(
      new UpdateDestinationCommand({ DeliveryStreamName: name, CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: { Prefix: 'v2/', CompressionFormat: 'GZIP' } }),
    );
    const d = (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription;
    expect(d?.VersionId).toBe('2');
    expect(d?.LastUpdateTimestamp).toBeInstanceOf(Date);
    expect(d?.Destinations?.[0]?.ExtendedS3DestinationDescription).toMatchObject({ Prefix: 'v2/', CompressionFormat: 'GZIP', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } });
    await client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: Buffer.from('after update') } }));
    const keys = await waitFor('an object', () => {
      const k = [...objectsIn(s3Dir, 'upd').keys()];
      return k.length > 0 ? k : undefined;
    });
    // A static prefix gets yyyy/MM/dd/HH/ appended as is (observed on AWS: no '/' inserted).
    expect(keys[0]).toMatch(/^v2\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/upd-2-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/);
  });

  it('custom prefixes: timestamp expressions (one instant per key), random strings, CustomTimeZone and FileExtension', async () => {
    const name = 'prefixed';
    await client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: s3('prefixed', {
          Prefix: "year=!{timestamp:yyyy}/month=!{timestamp:MM}/r=!{firehose:random-string}/",
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
          CustomTimeZone: 'Asia/Tokyo',
          FileExtension: '.json',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
        }),
      }),
    );
    await client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: Buffer.from('{"a":1}') } }));
    const [key] = await waitFor('an object', () => {
      const k = [...objectsIn(s3Dir, 'prefixed').keys()];
      return k.length > 0 ? k : undefined;
    });
    const m = /^year=(\d{4})\/month=(\d{2})\/r=([0-9a-z]{11})\/prefixed-1-(\d{4})-(\d{2})-\d{2}-(\d{2})-\d{2}-\d{2}-[0-9a-f-]{36}\.json$/.exec(key as string);
    expect(m, key).not.toBeNull();
    expect([m![4], m![5]]).toEqual([m![1], m![2]]);
    const tokyoHour = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    expect([tokyoHour, (tokyoHour + 23) % 24]).toContain(Number(m![6]));
  });

  it('refuses bad prefixes, unsupported destinations and processors with InvalidArgumentException, and stays up', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ExtendedS3DestinationConfiguration: s3('b', { Prefix: 'a/!{timestamp:yyyy}/' }) }, /ErrorOutputPrefix cannot be null or empty when Prefix contains expressions/],
      [{ ExtendedS3DestinationConfiguration: s3('b', { Prefix: 'a/!{nope:x}/', ErrorOutputPrefix: 'e/!{firehose:error-output-type}/' }) }, /invalid keyword/],
      [{ ExtendedS3DestinationConfiguration: s3('b', { Prefix: 'a/!{firehose:error-output-type}/', ErrorOutputPrefix: 'e/!{firehose:error-output-type}/' }) }, /Prefix must not contain/],
      [{ ExtendedS3DestinationConfiguration: s3('b', { ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda' }] } }) }, /Lambda processor/],
      [{ ExtendedS3DestinationConfiguration: s3('b', { DynamicPartitioningConfiguration: { Enabled: true } }) }, /Processing Configuration is not enabled when DataPartitioning is enabled/],
      [{ SplunkDestinationConfiguration: { HECEndpoint: 'https://x' } }, /S3 destinations and HTTP endpoints only/],
      [{ S3DestinationConfiguration: s3('b'), ExtendedS3DestinationConfiguration: s3('b') }, /Exactly one destination configuration/],
      [{ DeliveryStreamType: 'KinesisStreamAsSource', ExtendedS3DestinationConfiguration: s3('b') }, /KinesisStreamSourceConfiguration is required/],
      [{ ExtendedS3DestinationConfiguration: s3('b', { CustomTimeZone: 'EST' }) }, /non-3-letter/],
      // Keys a directory cannot hold as files: refused, not acknowledged and then dropped.
      [{ ExtendedS3DestinationConfiguration: s3('bkt', { Prefix: 'a//b/' }) }, /^Objects like s3:\/\/bkt\/a\/\/b\/\d{4}\/.* cannot be stored where this server delivers: a key stored as a file has no empty segment .*--s3-endpoint/],
      [{ ExtendedS3DestinationConfiguration: s3('bkt', { Prefix: '/x/' }) }, /does not start with "\/"/],
      [{ ExtendedS3DestinationConfiguration: s3('bkt', { Prefix: '../../x/' }) }, /has no "\.\." segment/],
      [{ ExtendedS3DestinationConfiguration: s3('bkt', { Prefix: 'a\u0000b/' }) }, /no NUL character/],
    ];
    for (const [input, message] of bad) {
      await expect(client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'bad', ...input }))).rejects.toMatchObject({ name: 'InvalidArgumentException', message: expect.stringMatching(message) });
    }
    // An HTTP endpoint configuration is checked against the model first (http:// is taken too).
    const http = (c: Record<string, unknown>) => client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'bad', HttpEndpointDestinationConfiguration: { EndpointConfiguration: { Url: 'http://127.0.0.1:9/' }, S3Configuration: { RoleARN: ROLE, BucketARN: bucketArn('b') }, ...c } as never }));
    await expect(http({ EndpointConfiguration: { Url: 'ftp://x' } })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining("Value 'ftp://x' at 'httpEndpointDestinationConfiguration.endpointConfiguration.url' failed to satisfy constraint") });
    await expect(http({ BufferingHints: { SizeInMBs: 65 } })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Member must have value less than or equal to 64') });
    await expect(http({ RetryOptions: { DurationInSeconds: 7201 } })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(http({ S3BackupMode: 'Everything' })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('[FailedDataOnly, AllData]') });
    await expect(http({ RequestConfiguration: { CommonAttributes: [{ AttributeName: '', AttributeValue: 'v' }] } })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(http({ SecretsManagerConfiguration: { Enabled: true } })).rejects.toMatchObject({ name: 'InvalidArgumentException', message: expect.stringMatching(/SecretsManagerConfiguration/) });
    // The model's constraints, in Coral's words, from a raw request the SDK would not send.
    const res = await rawRequest(
      server.port,
      'Firehose_20150804.CreateDeliveryStream',
      JSON.stringify({
        DeliveryStreamName: 'bad name!',
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'not-an-arn', CompressionFormat: 'SNAPPY', BufferingHints: { SizeInMBs: 0, IntervalInSeconds: 901 } },
      }),
    );
    expect(res.status).toBe(400);
    const body = res.json() as { __type: string; message: string };
    expect(body.__type).toBe('ValidationException');
    expect(body.message).toMatch(/^5 validation errors detected: /);
    expect(body.message).toContain("Value 'bad name!' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    expect(body.message).toContain("at 'extendedS3DestinationConfiguration.compressionFormat' failed to satisfy constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]");
    expect(body.message).toContain("Value '901' at 'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 900");
    await expect(client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'bad' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(server.alive()).toBe(true);
  });

  it('tags: Tag, Untag, ListTags with paging; 50 at most', async () => {
    const name = 'tagged';
    await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, S3DestinationConfiguration: s3('t'), Tags: [{ Key: 'team', Value: 'web' }] }));
    await client.send(new TagDeliveryStreamCommand({ DeliveryStreamName: name, Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'app', Value: 'clicks' }] }));
    const page = await client.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: name, Limit: 2 }));
    expect(page.Tags).toEqual([{ Key: 'app', Value: 'clicks' }, { Key: 'env', Value: 'dev' }]);
    expect(page.HasMoreTags).toBe(true);
    const rest = await client.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: name, ExclusiveStartTagKey: 'env' }));
    expect(rest).toMatchObject({ Tags: [{ Key: 'team', Value: 'web' }], HasMoreTags: false });
    await client.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: name, TagKeys: ['team'] }));
    expect((await client.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: name }))).Tags?.map((t) => t.Key)).toEqual(['app', 'env']);
    const many = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(client.send(new TagDeliveryStreamCommand({ DeliveryStreamName: name, Tags: many }))).rejects.toMatchObject({ name: 'LimitExceededException' });
    await expect(client.send(new TagDeliveryStreamCommand({ DeliveryStreamName: name, Tags: [{ Key: 'aws:x', Value: 'v' }] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('quotas: records past the per-stream rate answer ServiceUnavailableException "Slow down." and are not stored', async () => {
    const name = 'quota';
    await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: s3('quota', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }) }));
    const records = Array.from({ length: 150 }, (_, i) => ({ Data: Buffer.from(`q${i}\n`) }));
    const out = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records }));
    expect(out.FailedPutCount).toBeGreaterThanOrEqual(45);
    const stored = out.RequestResponses?.flatMap((r, i) => (r.RecordId !== undefined ? [`q${i}`] : [])) ?? [];
    for (const r of out.RequestResponses ?? []) {
      if (r.RecordId === undefined) expect(r).toEqual({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' });
    }
    const lines = await waitFor('the stored records', () => {
      const got = [...objectsIn(s3Dir, 'quota').values()].flatMap((b) => b.toString().split('\n').filter((l) => l !== ''));
      return got.length >= stored.length ? got : undefined;
    });
    expect(lines.sort()).toEqual(stored.sort());
  });

  it('size limits: 1,000 KiB per record, 4 MiB per batch (nothing stored when refused), empty records allowed', async () => {
    const name = 'sizes';
    await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: s3('sizes', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }) }));
    await expect(client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: Buffer.alloc(1_024_001, 0x61) } }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000",
    });
    const five = Array.from({ length: 5 }, () => ({ Data: Buffer.alloc(1_024_000, 0x62) }));
    await expect(client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: five }))).rejects.toMatchObject({ name: 'InvalidArgumentException', message: 'Records size exceeds 4 MB limit' });
    const ok = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: Buffer.alloc(0) }, { Data: Buffer.from('z') }] }));
    expect(ok.FailedPutCount).toBe(0);
    const bodies = await waitFor('the one byte', () => {
      const all = [...objectsIn(s3Dir, 'sizes').values()];
      return all.length > 0 ? all : undefined;
    });
    expect(Buffer.concat(bodies).toString()).toBe('z');
  });

  it('deleting: a delivery stream can be deleted once, then it is gone', async () => {
    await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'gone', S3DestinationConfiguration: s3('g') }));
    await client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'gone', AllowForceDelete: true }));
    await expect(client.send(new PutRecordCommand({ DeliveryStreamName: 'gone', Record: { Data: Buffer.from('x') } }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'gone' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
