import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, PutRecordBatchCommand, UpdateDestinationCommand, type FirehoseClient, type Processor } from '@aws-sdk/client-firehose';
import { CreateStreamCommand, PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h1Client, startServer, uniqueName, type RunningServer } from '../harness.js';
import { bucketArn, firehoseClient, objectsIn, ROLE, waitFor } from './helpers.js';
import { receiver } from './receiver.js';

const fixture = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const BLUEPRINT = fixture('../../unit/firehose/handlers/blueprint.cjs');
const BEHAVE = fixture('./handlers/behave.mjs');
const arnOf = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:${fn}`;
const lambda = (fn: string, params: Record<string, string> = {}): Processor => ({
  Type: 'Lambda',
  Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: arnOf(fn) }, ...Object.entries(params).map(([ParameterName, ParameterValue]) => ({ ParameterName, ParameterValue }))],
});
const text = (b: Buffer | undefined) => b?.toString() ?? '';

interface ErrorRecord {
  attemptsMade: number;
  arrivalTimestamp: number;
  errorCode: string;
  errorMessage: string;
  attemptEndingTimestamp: number;
  rawData: string;
  lambdaArn: string;
}

describe('Firehose transforms through local Lambda handlers (--lambda)', () => {
  let server: RunningServer;
  let client: FirehoseClient;
  let kinesis: KinesisClient;
  const s3Dir = mkdtempSync(join(tmpdir(), 'riffle-transform-s3-'));
  const scratch = mkdtempSync(join(tmpdir(), 'riffle-transform-'));

  beforeAll(async () => {
    server = await startServer(['--s3-dir', s3Dir, '--lambda', `upper=${BLUEPRINT}`, '--lambda', `behave=${BEHAVE}`]);
    client = firehoseClient(server.port);
    kinesis = h1Client(server.port);
  });
  afterAll(async () => {
    client?.destroy();
    kinesis?.destroy();
    await server?.stop();
  });

  const create = (name: string, processors: Processor[], extra: Record<string, unknown> = {}) =>
    client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: bucketArn(name),
          Prefix: 'ok/',
          ErrorOutputPrefix: 'err/!{firehose:error-output-type}/',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          ProcessingConfiguration: { Enabled: true, Processors: processors },
        },
        ...extra,
      }),
    );
  const put = (name: string, records: string[]) => client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: Buffer.from(r) })) }));
  const under = (bucket: string, prefix: string) => [...objectsIn(s3Dir, bucket)].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  const delivered = (bucket: string) => under(bucket, 'ok/').map(text).join('');
  const errors = (bucket: string): ErrorRecord[] =>
    under(bucket, 'err/processing-failed/').flatMap((b) =>
      text(b)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as ErrorRecord),
    );
  const raw = (e: ErrorRecord) => Buffer.from(e.rawData, 'base64').toString();

  it("runs a handler in the style of AWS's blueprint, unchanged: changed records delivered, dropped ones gone, failed ones in processing-failed", async () => {
    const name = uniqueName('fh-tx');
    await create(name, [lambda('upper', { BufferIntervalInSeconds: '0' }), { Type: 'AppendDelimiterToRecord' }]);
    const t0 = Date.now();
    await put(name, ['hello', '', 'fail', 'world']);
    await waitFor('the transformed object and the error object', () => delivered(name) !== '' && errors(name).length > 0);
    expect(delivered(name)).toBe('HELLO (upper)\nWORLD (upper)\n');
    const [e, ...more] = errors(name);
    expect(more).toEqual([]);
    expect(raw(e!)).toBe('fail');
    expect(e).toMatchObject({ attemptsMade: 1, errorCode: 'Lambda.ProcessingFailedStatus', lambdaArn: arnOf('upper') });
    expect(Object.keys(e!).sort()).toEqual(['arrivalTimestamp', 'attemptEndingTimestamp', 'attemptsMade', 'errorCode', 'errorMessage', 'lambdaArn', 'rawData']);
    expect(e!.arrivalTimestamp).toBeGreaterThanOrEqual(t0 - 5);
    expect(e!.attemptEndingTimestamp).toBeGreaterThanOrEqual(e!.arrivalTimestamp);
    // DescribeDeliveryStream shows the parameters AWS fills in.
    const d = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
    const processors = d.DeliveryStreamDescription?.Destinations?.[0]?.ExtendedS3DestinationDescription?.ProcessingConfiguration?.Processors;
    expect(processors?.[0]).toEqual({
      Type: 'Lambda',
      Parameters: [
        { ParameterName: 'LambdaArn', ParameterValue: arnOf('upper') },
        { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '0' },
        { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
        { ParameterName: 'RoleArn', ParameterValue: ROLE },
        { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
      ],
    });
  });

  it('sends the exact event: invocation id, stream ARN, region, record ids, arrival times, base64 data', async () => {
    const name = uniqueName('fh-tx-event');
    const path = join(scratch, `${name}.json`);
    await create(name, [lambda('behave', { BufferIntervalInSeconds: '0' })]);
    const t0 = Date.now();
    await put(name, [`event:${path}`, 'second']);
    await waitFor('delivery', () => delivered(name) !== '');
    const event = JSON.parse(readFileSync(path, 'utf8')) as { invocationId: string; deliveryStreamArn: string; region: string; records: Array<{ recordId: string; approximateArrivalTimestamp: number; data: string }> };
    expect(Object.keys(event).sort()).toEqual(['deliveryStreamArn', 'invocationId', 'records', 'region']);
    expect(event.invocationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(event.deliveryStreamArn).toBe(`arn:aws:firehose:us-east-1:000000000000:deliverystream/${name}`);
    expect(event.region).toBe('us-east-1');
    expect(event.records.map((r) => Buffer.from(r.data, 'base64').toString())).toEqual([`event:${path}`, 'second']);
    expect(new Set(event.records.map((r) => r.recordId)).size).toBe(2);
    for (const r of event.records) {
      expect(Object.keys(r).sort()).toEqual(['approximateArrivalTimestamp', 'data', 'recordId']);
      expect(r.approximateArrivalTimestamp).toBeGreaterThanOrEqual(t0 - 5);
      expect(r.approximateArrivalTimestamp).toBeLessThanOrEqual(Date.now());
    }
    expect(delivered(name)).toBe(`event:${path}SECOND`);
  });

  it("adds the Kinesis metadata for a Kinesis stream source: shard, partition key, the record's sequence number", async () => {
    const stream = uniqueName('tx-src');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const streamArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
    const name = uniqueName('fh-tx-kds');
    const path = join(scratch, `${name}.json`);
    await create(name, [lambda('behave', { BufferIntervalInSeconds: '0' })], { DeliveryStreamType: 'KinesisStreamAsSource', KinesisStreamSourceConfiguration: { KinesisStreamARN: streamArn, RoleARN: ROLE } });
    const putOut = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'user-7', Data: Buffer.from(`event:${path}`) }));
    await waitFor('delivery', () => delivered(name) !== '');
    const event = JSON.parse(readFileSync(path, 'utf8')) as { sourceKinesisStreamArn: string; records: Array<{ recordId: string; kinesisRecordMetadata: Record<string, unknown> }> };
    expect(event.sourceKinesisStreamArn).toBe(streamArn);
    expect(event.records[0]!.kinesisRecordMetadata).toEqual({
      shardId: putOut.ShardId,
      partitionKey: 'user-7',
      approximateArrivalTimestamp: expect.any(Number) as number,
      sequenceNumber: putOut.SequenceNumber,
      subsequenceNumber: '',
    });
    expect(event.records[0]!.recordId.startsWith(putOut.SequenceNumber!)).toBe(true);
  });

  it('tries an invocation that throws NumberOfRetries more times: delivered once it answers, failed with the attempts made when it never does', async () => {
    const name = uniqueName('fh-tx-retry');
    const counter = join(scratch, `${name}.count`);
    await create(name, [lambda('behave', { BufferIntervalInSeconds: '0', NumberOfRetries: '2' })]);
    await put(name, [`count:${counter}:3`]);
    await waitFor('delivery after two failures', () => delivered(name) !== '', 30_000);
    expect(readFileSync(counter, 'utf8')).toBe('invoked\n'.repeat(3));
    expect(errors(name)).toEqual([]);

    const never = uniqueName('fh-tx-never');
    const counted = join(scratch, `${never}.count`);
    await create(never, [lambda('behave', { BufferIntervalInSeconds: '0', NumberOfRetries: '1' })]);
    await put(never, [`count:${counted}:99`, 'alongside']);
    await waitFor('the error records', () => errors(never).length === 2, 30_000);
    expect(readFileSync(counted, 'utf8')).toBe('invoked\n'.repeat(2));
    for (const e of errors(never)) expect(e).toMatchObject({ attemptsMade: 2, errorCode: 'Lambda.FunctionError', errorMessage: 'The Lambda function was successfully invoked but it returned an error result.' });
    expect(errors(never).map(raw).sort()).toEqual(['alongside', `count:${counted}:99`]);
    expect(under(never, 'ok/')).toEqual([]);
  });

  it('takes an answer as final: a malformed one fails its records at once; a record answered twice or not at all fails alone', async () => {
    const name = uniqueName('fh-tx-bad');
    await create(name, [lambda('behave', { BufferIntervalInSeconds: '0', NumberOfRetries: '3' })]);
    await put(name, ['malformed', 'kept']);
    await waitFor('the error records', () => errors(name).length === 2);
    for (const e of errors(name)) expect(e).toMatchObject({ attemptsMade: 1, errorCode: 'Lambda.JsonProcessingException' });

    const each = uniqueName('fh-tx-each');
    await create(each, [lambda('behave', { BufferIntervalInSeconds: '0' })]);
    await put(each, ['dup', 'skip', 'kept']);
    await waitFor('delivery and errors', () => delivered(each) !== '' && errors(each).length === 2);
    expect(delivered(each)).toBe('KEPT');
    expect(Object.fromEntries(errors(each).map((e) => [raw(e), e.errorCode]))).toEqual({ dup: 'Lambda.DuplicatedRecordId', skip: 'Lambda.MissingRecordId' });

    const bad = uniqueName('fh-tx-badresult');
    await create(bad, [lambda('behave', { BufferIntervalInSeconds: '0' })]);
    await put(bad, ['badresult', 'kept']);
    await waitFor('the error records', () => errors(bad).length === 2);
    expect(errors(bad).map((e) => e.errorCode)).toEqual(['Lambda.JsonProcessingException', 'Lambda.JsonProcessingException']);
    expect(server.alive()).toBe(true);
  });

  it('fails the records of a function no --lambda registers, and says so in the server log', async () => {
    const name = uniqueName('fh-tx-none');
    await create(name, [lambda('nobody', { BufferIntervalInSeconds: '0', NumberOfRetries: '0' })]);
    await put(name, ['lost?']);
    await waitFor('the error record', () => errors(name).length === 1);
    expect(errors(name)[0]).toMatchObject({ attemptsMade: 1, errorCode: 'Lambda.ResourceNotFound', lambdaArn: arnOf('nobody') });
    expect(server.stderr()).toContain(`its Lambda processor names ${arnOf('nobody')}, a function no --lambda registers`);
  });

  it('buffers for the processor: BufferSizeInMBs and BufferIntervalInSeconds decide when the function is called', async () => {
    const name = uniqueName('fh-tx-buffer');
    const path = join(scratch, `${name}.json`);
    await create(name, [lambda('behave', { BufferIntervalInSeconds: '2', BufferSizeInMBs: '0.2' })]);
    const t0 = Date.now();
    await put(name, [`event:${path}`]);
    await waitFor('the interval', () => existsSync(path), 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    // 0.2 MB of records is sent at once, interval or not.
    const big = uniqueName('fh-tx-size');
    const bigPath = join(scratch, `${big}.json`);
    await create(big, [lambda('behave', { BufferIntervalInSeconds: '900', BufferSizeInMBs: '0.2' })]);
    const t1 = Date.now();
    await put(big, [`event:${bigPath}`, ...Array.from({ length: 3 }, () => 'x'.repeat(80_000))]);
    await waitFor('the size', () => existsSync(bigPath), 10_000);
    expect(Date.now() - t1).toBeLessThan(5000);
    expect((JSON.parse(readFileSync(bigPath, 'utf8')) as { records: unknown[] }).records).toHaveLength(4);
  });

  it('adds a Lambda processor with UpdateDestination: the records after it are transformed', async () => {
    const name = uniqueName('fh-tx-update');
    await create(name, [{ Type: 'AppendDelimiterToRecord' }]);
    await put(name, ['before']);
    await waitFor('the first object', () => delivered(name) === 'before\n');
    const d = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
    await client.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: name,
        CurrentDeliveryStreamVersionId: d.DeliveryStreamDescription!.VersionId!,
        DestinationId: d.DeliveryStreamDescription!.Destinations![0]!.DestinationId!,
        ExtendedS3DestinationUpdate: { ProcessingConfiguration: { Enabled: true, Processors: [lambda('behave', { BufferIntervalInSeconds: '0' }), { Type: 'AppendDelimiterToRecord' }] } },
      }),
    );
    await put(name, ['after']);
    await waitFor('the transformed object', () => delivered(name).includes('AFTER'));
    expect(under(name, 'ok/').map(text).sort()).toEqual(['AFTER\n', 'before\n']);
  });

  it('refuses Lambda processors AWS refuses, with InvalidArgumentException, and stays up', async () => {
    const bad: Array<[Processor[], RegExp]> = [
      [[lambda('a'), lambda('b')], /more than one Lambda processor/],
      [[{ Type: 'Lambda', Parameters: [{ ParameterName: 'NumberOfRetries', ParameterValue: '1' }] }], /needs the parameter LambdaArn/],
      [[{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: 'upper' }] }], /not a Lambda function ARN/],
      [[lambda('a', { BufferSizeInMBs: '4' })], /BufferSizeInMBs 4 .* from 0\.2 to 3/],
      [[lambda('a', { BufferSizeInMBs: '0.1' })], /BufferSizeInMBs/],
      [[lambda('a', { BufferIntervalInSeconds: '901' })], /BufferIntervalInSeconds 901/],
      [[lambda('a', { NumberOfRetries: 'three' })], /NumberOfRetries three/],
      [[lambda('a', { MetadataExtractionQuery: '{a:.a}' })], /does not take the parameter MetadataExtractionQuery/],
    ];
    for (const [processors, message] of bad) {
      const err = await create(uniqueName('fh-tx-refused'), processors).catch((e: Error) => e);
      expect(err, JSON.stringify(processors)).toMatchObject({ name: 'InvalidArgumentException' });
      expect((err as Error).message).toMatch(message);
    }
    expect(server.alive()).toBe(true);
  });

  it('SDK v3: creates a partitioned stream (a jq query), describes it, and its records open a partition per key', async () => {
    const name = uniqueName('fh-dp-sdk');
    await client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: bucketArn(name),
          Prefix: 'c=!{partitionKeyFromQuery:customer}/',
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
          DynamicPartitioningConfiguration: { Enabled: true },
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{customer: .c}' }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }] }] },
        },
      }),
    );
    const d = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
    expect(d.DeliveryStreamDescription?.Destinations?.[0]?.ExtendedS3DestinationDescription?.DynamicPartitioningConfiguration).toEqual({ Enabled: true });
    await put(name, ['a', 'b', 'c', 'a'].map((c) => JSON.stringify({ c })));
    const active = async () => {
      const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      return Number(new RegExp(`^riffle_firehose_active_partitions\\{delivery_stream_name="${name}"\\} (\\d+)`, 'm').exec(body)?.[1] ?? -1);
    };
    let n = -1;
    for (let i = 0; i < 100 && n !== 3; i++) {
      n = await active();
      if (n !== 3) await new Promise((r) => setTimeout(r, 50));
    }
    expect(n).toBe(3); // the 60 s interval has not passed: three partitions wait
  });

  it('counts invocations and transformed records under AWS names in /metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    const body = await res.text();
    const value = (family: string) =>
      body
        .split('\n')
        .filter((l) => l.startsWith(family))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(value('aws_firehose_execute_processing_invocations_total')).toBeGreaterThan(5);
    expect(value('aws_firehose_execute_processing_success_total')).toBeGreaterThan(3);
    expect(value('aws_firehose_succeed_processing_records_total')).toBeGreaterThan(3);
    expect(value('aws_firehose_succeed_processing_bytes_total')).toBeGreaterThan(10);
  });
});

describe('transforms with an HTTP endpoint destination, across kill -9', () => {
  it('delivers every acknowledged record transformed after a crash with them in the handler (at least once)', async () => {
    const rx = receiver();
    const url = await rx.listen();
    const got = () => rx.seen.flatMap((r) => r.records);
    const dataDir = mkdtempSync(join(tmpdir(), 'riffle-transform-kill-'));
    const args = ['--data-dir', dataDir, '--lambda', `behave=${BEHAVE}`];
    let server = await startServer(args);
    let client = firehoseClient(server.port);
    try {
      const name = uniqueName('fh-tx-kill');
      await client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          HttpEndpointDestinationConfiguration: {
            EndpointConfiguration: { Url: url },
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
            ProcessingConfiguration: { Enabled: true, Processors: [lambda('behave', { BufferIntervalInSeconds: '0' })] },
            S3Configuration: { RoleARN: ROLE, BucketARN: bucketArn('kill') },
          },
        }),
      );
      // Transformed before it reaches the endpoint.
      await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: Buffer.from('first') }] }));
      await waitFor('the first record', () => got().includes('FIRST'));
      // The handler holds these for 5 s: the server dies with them at the pool.
      const records = ['sleep:5000', ...Array.from({ length: 30 }, (_, i) => `kept-${i}`)];
      expect((await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: Buffer.from(r) })) }))).FailedPutCount).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      expect(got()).toEqual(['FIRST']);
      client.destroy();
      server.child.kill('SIGKILL');
      await new Promise((r) => server.child.once('exit', r));
      server = await startServer(args);
      client = firehoseClient(server.port);
      await waitFor('the records after the restart', () => records.every((r) => got().includes(r.startsWith('sleep') ? r : r.toUpperCase())), 30_000);
      expect(got().filter((r) => r === 'KEPT-0').length).toBe(1); // read again from the checkpoint: the ones not delivered, once
    } finally {
      client.destroy();
      await server.stop();
      await rx.close();
    }
  }, 60_000);
});
