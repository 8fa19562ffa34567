import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, PutRecordBatchCommand, UpdateDestinationCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, uniqueName, type RunningServer } from '../harness.js';
import { bucketArn, firehoseClient, objectsIn, ROLE, waitFor } from './helpers.js';
import { receiver } from './receiver.js';

describe('Firehose to an HTTP endpoint', () => {
  let server: RunningServer;
  let client: FirehoseClient;
  let url: string;
  const rx = receiver();
  const s3Dir = mkdtempSync(join(tmpdir(), 'riffle-http-s3-'));

  beforeAll(async () => {
    url = await rx.listen();
    server = await startServer(['--s3-dir', s3Dir]);
    client = firehoseClient(server.port);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    await rx.close();
  });

  const create = (name: string, bucket: string, extra: Record<string, unknown> = {}) =>
    client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        HttpEndpointDestinationConfiguration: {
          EndpointConfiguration: { Url: url, Name: 'test receiver', AccessKey: 'the-access-key' },
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          RequestConfiguration: { ContentEncoding: 'GZIP', CommonAttributes: [{ AttributeName: 'env', AttributeValue: 'test' }] },
          RetryOptions: { DurationInSeconds: 2 },
          S3Configuration: { RoleARN: ROLE, BucketARN: bucketArn(bucket) },
          ...extra,
        } as never,
      }),
    );
  const put = (name: string, records: string[]) => client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: Buffer.from(r) })) }));

  it('delivers the records as the specification describes, and describes the destination without its access key', async () => {
    const name = uniqueName('http');
    const { DeliveryStreamARN } = await create(name, uniqueName('bk'));
    const described = (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription!;
    const dest = described.Destinations![0]!.HttpEndpointDestinationDescription!;
    expect(dest.EndpointConfiguration).toEqual({ Url: url, Name: 'test receiver' });
    expect(dest).toMatchObject({ BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 }, RetryOptions: { DurationInSeconds: 2 }, S3BackupMode: 'FailedDataOnly', RequestConfiguration: { ContentEncoding: 'GZIP' } });
    expect(dest.S3DestinationDescription?.BucketARN).toMatch(/^arn:aws:s3:::bk-/);
    expect(JSON.stringify(described)).not.toContain('the-access-key');

    const records = Array.from({ length: 20 }, (_, i) => JSON.stringify({ event: 'click', n: i }));
    expect((await put(name, records)).FailedPutCount).toBe(0);
    const got = await waitFor('the records at the endpoint', () => {
      const mine = rx.seen.filter((s) => s.headers['x-amz-firehose-source-arn'] === DeliveryStreamARN);
      return mine.flatMap((s) => s.records).length >= 20 ? mine : undefined;
    });
    expect(got.flatMap((s) => s.records)).toEqual(records);
    const first = got[0]!;
    expect(first.path).toBe('/firehose?token=t');
    expect(first.headers).toMatchObject({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-amz-firehose-protocol-version': '1.0',
      'x-amz-firehose-access-key': 'the-access-key',
      'x-amz-firehose-common-attributes': '{"commonAttributes":{"env":"test"}}',
    });
    expect(first.headers['x-amz-firehose-request-id']).toBe(first.requestId);
    expect(Math.abs(first.timestamp - Date.now())).toBeLessThan(60_000);
    // The metrics say so, under DeliveryToHttpEndpoint's names.
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toContain(`aws_firehose_delivery_to_http_endpoint_records_total{delivery_stream_name="${name}"} 20`);
    expect(metrics).not.toContain(`aws_firehose_delivery_to_s3_records_total{delivery_stream_name="${name}"}`);
  });

  it("retries a failing endpoint with the same request id, then backs up what it did not take under http-endpoint-failed/ with AWS's error record fields", async () => {
    const name = uniqueName('httpfail');
    const bucket = uniqueName('bkfail');
    await create(name, bucket);
    rx.set(500);
    const before = rx.seen.length;
    await put(name, ['one', 'two', 'three']);
    const objects = await waitFor('the backup', () => (objectsIn(s3Dir, bucket).size > 0 ? objectsIn(s3Dir, bucket) : undefined), 20_000);
    rx.set('ok');
    const [key, body] = [...objects][0]!;
    expect(key).toMatch(/^http-endpoint-failed\/\d{4}\/\d{2}\/\d{2}\/\d{2}\//);
    const lines = body.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Buffer.from(l.rawData as string, 'base64').toString())).toEqual(['one', 'two', 'three']);
    for (const l of lines) {
      expect(l).toMatchObject({ errorCode: 'HttpEndpoint.DestinationException', subsequenceNumber: 0 });
      expect(l.errorMessage).toMatch(/^Received the following response from the endpoint destination\. 500: .*told to answer 500/);
      expect(l.attemptsMade as number).toBeGreaterThanOrEqual(2);
      expect(typeof l.arrivalTimestamp).toBe('number');
      expect(l.attemptEndingTimestamp as number).toBeGreaterThanOrEqual(l.arrivalTimestamp as number);
    }
    const attempts = rx.seen.slice(before);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((a) => a.requestId)).size).toBe(1);
  }, 30_000);

  it('gives up at once on a 413 without a backup, and treats an answer for another request id as a failure', async () => {
    const name = uniqueName('http413');
    const bucket = uniqueName('bk413');
    await create(name, bucket, { RetryOptions: { DurationInSeconds: 0 } });
    rx.set(413);
    const before = rx.seen.length;
    await put(name, ['too big']);
    await waitFor('the attempt', () => rx.seen.length > before || undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.seen.length).toBe(before + 1);
    expect(objectsIn(s3Dir, bucket).size).toBe(0);
    expect(server.stderr()).toContain('refused for good');
    // A 200 for someone else's request is not a delivery: with no retries, it goes to the backup.
    rx.set('wrong-id');
    await put(name, ['misanswered']);
    const objects = await waitFor('the backup', () => (objectsIn(s3Dir, bucket).size > 0 ? objectsIn(s3Dir, bucket) : undefined));
    rx.set('ok');
    const misanswered = JSON.parse([...objects.values()][0]!.toString().trim()) as { errorCode: string; errorMessage: string };
    expect(misanswered.errorCode).toBe('HttpEndpoint.InvalidResponseFromDestination');
    expect(misanswered.errorMessage).toMatch(/for requestId "not-yours"/);
  });

  it('delivers a batch of empty records, and refuses a URL no request could go to and an access key a header cannot carry', async () => {
    const name = uniqueName('httpempty');
    const { DeliveryStreamARN } = await create(name, uniqueName('bkempty'));
    await put(name, ['', '']);
    const got = await waitFor('the empty records', () => rx.seen.find((s) => s.headers['x-amz-firehose-source-arn'] === DeliveryStreamARN));
    expect(got.records).toEqual(['', '']);
    for (const [endpoint, message] of [
      [{ Url: 'http://' }, /is not a URL an HTTP endpoint can be reached at/],
      [{ Url: url, AccessKey: 'clé' }, /printable ASCII/],
    ] as const) {
      await expect(create(uniqueName('httpbad'), 'b', { EndpointConfiguration: endpoint })).rejects.toMatchObject({ name: 'InvalidArgumentException', message: expect.stringMatching(message) });
    }
    expect(server.alive()).toBe(true);
  });

  it('backs up every record with S3BackupMode AllData, and takes an UpdateDestination of the endpoint (not of the destination type)', async () => {
    const name = uniqueName('httpall');
    const bucket = uniqueName('bkall');
    await create(name, bucket, { S3BackupMode: 'AllData' });
    await put(name, ['a', 'b']);
    const objects = await waitFor('the copy', () => (objectsIn(s3Dir, bucket).size > 0 ? objectsIn(s3Dir, bucket) : undefined));
    expect([...objects.values()].map((b) => b.toString())).toEqual(['ab']);
    expect([...objects.keys()][0]).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\d{2}\//);
    const update = (u: Record<string, unknown>, version = '1') => client.send(new UpdateDestinationCommand({ DeliveryStreamName: name, CurrentDeliveryStreamVersionId: version, DestinationId: 'destinationId-000000000001', ...u }));
    // Another destination type: refused.
    await expect(update({ ExtendedS3DestinationUpdate: { Prefix: 'x/' } })).rejects.toMatchObject({ name: 'InvalidArgumentException', message: expect.stringMatching(/destination type/) });
    // The endpoint's URL and retries: merged, described, and the next requests go there.
    await update({ HttpEndpointDestinationUpdate: { EndpointConfiguration: { Url: url.replace('token=t', 'token=u'), AccessKey: 'new-key' }, RetryOptions: { DurationInSeconds: 10 } } });
    const d = (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription!;
    expect(d.VersionId).toBe('2');
    expect(d.Destinations![0]!.HttpEndpointDestinationDescription).toMatchObject({ EndpointConfiguration: { Url: url.replace('token=t', 'token=u') }, RetryOptions: { DurationInSeconds: 10 }, S3BackupMode: 'AllData', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } });
    const before = rx.seen.length;
    await put(name, ['after the update']);
    const got = await waitFor('the record at the new URL', () => rx.seen.slice(before).find((s) => s.records.includes('after the update')));
    expect(got.path).toBe('/firehose?token=u');
    expect(got.headers['x-amz-firehose-access-key']).toBe('new-key');
    expect(server.alive()).toBe(true);
  });
});

describe('Firehose to an HTTP endpoint, across kill -9', () => {
  it('delivers every acknowledged record after a crash with them in flight (at least once)', async () => {
    const rx = receiver();
    const url = await rx.listen();
    const dataDir = mkdtempSync(join(tmpdir(), 'riffle-http-kill-'));
    let server = await startServer(['--data-dir', dataDir]);
    let client = firehoseClient(server.port);
    try {
      const name = uniqueName('httpkill');
      await client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          HttpEndpointDestinationConfiguration: {
            EndpointConfiguration: { Url: url },
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
            RetryOptions: { DurationInSeconds: 3600 },
            S3Configuration: { RoleARN: ROLE, BucketARN: bucketArn('kill') },
          },
        }),
      );
      // The endpoint fails: the records are acknowledged, buffered, and retried.
      rx.set(503);
      const records = Array.from({ length: 50 }, (_, i) => `kept-${i}`);
      expect((await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: Buffer.from(r) })) }))).FailedPutCount).toBe(0);
      await waitFor('an attempt', () => rx.seen.length > 0 || undefined);
      client.destroy();
      server.child.kill('SIGKILL');
      await new Promise((r) => server.child.once('exit', r));
      rx.set('ok');
      server = await startServer(['--data-dir', dataDir]);
      client = firehoseClient(server.port);
      const delivered = await waitFor('the records after the restart', () => {
        const ok = new Set(rx.seen.flatMap((s) => s.records));
        return records.every((r) => ok.has(r)) ? ok : undefined;
      });
      expect(records.filter((r) => !delivered.has(r))).toEqual([]);
    } finally {
      client.destroy();
      await server.stop();
      await rx.close();
    }
  }, 60_000);
});
