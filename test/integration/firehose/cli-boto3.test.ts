// Firehose through the AWS CLI (every distinct one found: Debian's v2 at /usr/bin/aws, any `aws` on
// PATH such as pip's v1) and boto3 (every python with a distinct boto3: Debian's 1.26 and pip's):
// create, describe, list, PutRecord, PutRecordBatch, the modeled errors, delete, and the object the
// records make. Debian's CLI 2.9 and boto3 1.26 carry 2022 models (IntervalInSeconds at least 60, no
// FileExtension), so every client creates with IntervalInSeconds 60 and SizeInMBs 1 and puts just
// over 1 MiB: the size, not the interval, makes the one object, at once.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../harness.js';
import { AWS_CLI, AWS_CLI_V2, findTools, needTool, PYTHON_WITH_BOTO3 } from '../tools.js';
import { bucketArn, objectsIn, ROLE, waitFor } from './helpers.js';

const MiB = 1024 * 1024;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ACCOUNT = '000000000000';
const DELIMITED = { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] };
const script = fileURLToPath(new URL('./boto3_firehose.py', import.meta.url));

const clis = await findTools(AWS_CLI);
// v2 is the CLI people install today: its absence skips (or, under RIFFLE_REQUIRE_TOOLS=1, fails) with a line saying so.
await needTool(AWS_CLI_V2, clis.length > 0 ? { tests: 'the AWS CLI v2 tests' } : { tests: 'the AWS CLI tests' });
const pythons = await findTools(PYTHON_WITH_BOTO3);
if (pythons.length === 0) await needTool(PYTHON_WITH_BOTO3, { tests: 'the boto3 tests' });

const work = mkdtempSync(join(tmpdir(), 'riffle-fhcli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A JSON-looking line of exactly `length` characters. */
function line(i: number, via: string, length: number): string {
  const head = `{"i":${i},"via":"${via}","pad":"`;
  return `${head}${'x'.repeat(length - head.length - 2)}"}`;
}

/**
 * One PutRecord line, then 300 PutRecordBatch lines (1,049,861 bytes with their newlines): only the
 * last crosses SizeInMBs 1 (1,048,576), so the one object holds every record and nothing waits for
 * the 60 s interval.
 */
function recordsFor(via: string): { first: string; batch: string[]; object: string } {
  const first = line(-1, via, 60);
  const batch = [...Array.from({ length: 299 }, (_, i) => line(i, via, 3500)), line(299, via, 3000)];
  const object = [first, ...batch].map((l) => `${l}\n`).join('');
  const withoutLast = object.length - batch[299]!.length - 1;
  if (!(withoutLast < MiB && object.length >= MiB)) throw new Error(`records of ${object.length} bytes: the last must cross 1 MiB`);
  return { first, batch, object };
}

/** The description AWS gives of what every client here creates (S3 described both ways, AWS's defaults filled in). */
function described(name: string, bucket: string, createTimestamp: unknown): Record<string, unknown> {
  const s3 = {
    RoleARN: ROLE,
    BucketARN: bucketArn(bucket),
    BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
    CompressionFormat: 'UNCOMPRESSED',
    EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
    CloudWatchLoggingOptions: { Enabled: false },
  };
  return {
    DeliveryStreamDescription: {
      DeliveryStreamName: name,
      DeliveryStreamARN: `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/${name}`,
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
      DeliveryStreamType: 'DirectPut',
      VersionId: '1',
      CreateTimestamp: createTimestamp,
      Destinations: [{ DestinationId: 'destinationId-000000000001', S3DestinationDescription: s3, ExtendedS3DestinationDescription: { ...s3, ProcessingConfiguration: DELIMITED, S3BackupMode: 'Disabled' } }],
      HasMoreDestinations: false,
    },
  };
}

/** Waits for the bucket's one object and checks its key (AWS's default layout) and bytes. */
async function expectOneObject(s3Dir: string, bucket: string, name: string, body: string): Promise<void> {
  const objects = await waitFor('the object', () => {
    const all = objectsIn(s3Dir, bucket);
    return all.size > 0 ? all : undefined;
  }, 10_000);
  expect(objects.size).toBe(1);
  const [key, bytes] = [...objects][0]!;
  const m = new RegExp(`^(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/${name}-1-(\\d{4})-(\\d{2})-(\\d{2})-(\\d{2})-\\d{2}-\\d{2}-${UUID}$`).exec(key);
  expect(m, key).not.toBeNull();
  expect(m!.slice(1, 5)).toEqual(m!.slice(5, 9));
  expect(bytes.length).toBe(body.length);
  expect(bytes.toString('utf8') === body, 'the object is the records, in order, each with its newline').toBe(true);
}

/** A server of its own (in memory, objects in a directory, AWS's default quotas) for one client's tests. */
function withServer(): { server: () => RunningServer; s3Dir: () => string } {
  let server: RunningServer;
  let s3Dir: string;
  beforeAll(async () => {
    s3Dir = mkdtempSync(join(work, 's3-'));
    server = await startServer(['--s3-dir', s3Dir]);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return { server: () => server, s3Dir: () => s3Dir };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { ...process.env, ...env }, maxBuffer: 64 * MiB, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe.each(clis)('$version', ({ command, version }) => {
  const v2 = version.startsWith('aws-cli/2');
  const { server, s3Dir } = withServer();
  // CLI v2 takes blob arguments as base64 unless told otherwise; v1 sends them raw.
  const raw = v2 ? ['--cli-binary-format', 'raw-in-base64-out'] : [];
  const aws = (...args: string[]): Promise<Run> =>
    run(command, ['firehose', ...args, '--endpoint-url', `http://127.0.0.1:${server().port}`, '--output', 'json'], {
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    });
  const ok = async (...args: string[]): Promise<Record<string, unknown>> => {
    const r = await aws(...args);
    expect(r.code, `aws firehose ${args[0]}: ${r.stderr}`).toBe(0);
    return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
  };
  /** CLI v2 exits 254 on a service error, v1 255; both print `An error occurred (<code>) when calling the <op> operation: <message>`. */
  const fails = async (code: string, operation: string, message: string, ...args: string[]): Promise<void> => {
    const r = await aws(...args);
    expect(r.code).toBe(v2 ? 254 : 255);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(`An error occurred (${code}) when calling the ${operation} operation: ${message}`);
  };
  const name = v2 ? 'cli-v2' : 'cli-other';
  const bucket = `${name}-out`;
  const records = recordsFor(name);

  it('creates, describes and lists a delivery stream; PutRecord and PutRecordBatch make one object of exactly the records', async () => {
    const before = Date.now();
    const destination = { RoleARN: ROLE, BucketARN: bucketArn(bucket), BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 }, CompressionFormat: 'UNCOMPRESSED', ProcessingConfiguration: DELIMITED };
    expect(await ok('create-delivery-stream', '--delivery-stream-name', name, '--delivery-stream-type', 'DirectPut', '--extended-s3-destination-configuration', JSON.stringify(destination))).toEqual({
      DeliveryStreamARN: `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/${name}`,
    });
    const after = Date.now();
    const d = await ok('describe-delivery-stream', '--delivery-stream-name', name);
    expect(d).toEqual(described(name, bucket, expect.anything()));
    // v2 prints timestamps as ISO 8601; v1 prints them as the service sent them (epoch seconds).
    const created = (d.DeliveryStreamDescription as { CreateTimestamp: unknown }).CreateTimestamp;
    if (v2) expect(created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$/);
    else expect(typeof created).toBe('number');
    const createdMs = v2 ? Date.parse(created as string) : (created as number) * 1000;
    expect(createdMs).toBeGreaterThanOrEqual(before - 1);
    expect(createdMs).toBeLessThanOrEqual(after + 1);
    expect(await ok('list-delivery-streams')).toEqual({ DeliveryStreamNames: [name], HasMoreDeliveryStreams: false });

    const put = await ok('put-record', '--delivery-stream-name', name, '--record', JSON.stringify({ Data: records.first }), ...raw);
    expect(put).toEqual({ RecordId: expect.stringMatching(/^\S+$/), Encrypted: false });
    const file = join(work, `${name}-batch.json`);
    writeFileSync(file, JSON.stringify(records.batch.map((l) => ({ Data: l }))));
    const batch = (await ok('put-record-batch', '--delivery-stream-name', name, '--records', `file://${file}`, ...raw)) as { FailedPutCount: number; Encrypted: boolean; RequestResponses: Array<Record<string, unknown>> };
    expect(Object.keys(batch).sort()).toEqual(['Encrypted', 'FailedPutCount', 'RequestResponses']);
    expect(batch.FailedPutCount).toBe(0);
    expect(batch.Encrypted).toBe(false);
    expect(batch.RequestResponses).toHaveLength(300);
    for (const r of batch.RequestResponses) expect(r).toEqual({ RecordId: expect.stringMatching(/^\S+$/) });
    expect(new Set([put.RecordId, ...batch.RequestResponses.map((r) => r.RecordId)]).size).toBe(301);

    await expectOneObject(s3Dir(), bucket, name, records.object);
  }, 40_000);

  it('prints the modeled errors with their codes and messages, and exits as the CLI does', async () => {
    await fails('ResourceNotFoundException', 'DescribeDeliveryStream', `Firehose no-such-stream under account ${ACCOUNT} not found.`, 'describe-delivery-stream', '--delivery-stream-name', 'no-such-stream');
    await fails('ResourceNotFoundException', 'PutRecord', `Firehose no-such-stream under account ${ACCOUNT} not found.`, 'put-record', '--delivery-stream-name', 'no-such-stream', '--record', '{"Data":"x"}', ...raw);
    await fails('ResourceInUseException', 'CreateDeliveryStream', `Firehose ${name} under accountId ${ACCOUNT} already exists`, 'create-delivery-stream', '--delivery-stream-name', name, '--s3-destination-configuration', JSON.stringify({ RoleARN: ROLE, BucketARN: bucketArn(bucket) }));
  });

  it('deletes the delivery stream: the answer is empty, and it is gone from describe and list', async () => {
    expect(await ok('delete-delivery-stream', '--delivery-stream-name', name)).toEqual({});
    expect(await ok('list-delivery-streams')).toEqual({ DeliveryStreamNames: [], HasMoreDeliveryStreams: false });
    await fails('ResourceNotFoundException', 'DescribeDeliveryStream', `Firehose ${name} under account ${ACCOUNT} not found.`, 'describe-delivery-stream', '--delivery-stream-name', name);
  });
});

describe.each(pythons)('boto3 ($version)', ({ command, version }) => {
  const { server, s3Dir } = withServer();
  const name = `boto3-${version.replace(/.*boto3 (\d+)\.(\d+).*/, '$1-$2')}`;
  const bucket = `${name}-out`;
  const records = recordsFor(name);
  const py = async (phase: string): Promise<Record<string, unknown>> => {
    const file = join(work, `${name}-records.json`);
    writeFileSync(file, JSON.stringify({ first: records.first, batch: records.batch }));
    const r = await run(command, [script, `http://127.0.0.1:${server().port}`, name, bucket, file, phase], { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const missing = (stream: string): Record<string, unknown> => ({ code: 'ResourceNotFoundException', message: `Firehose ${stream} under account ${ACCOUNT} not found.`, status: 400, modeled: 'ResourceNotFoundException' });

  it('creates, describes, lists and puts; the modeled errors; one object of exactly the records; then deletes', async () => {
    const before = Date.now();
    const out = await py('put');
    expect(out.created).toEqual({ DeliveryStreamARN: `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/${name}` });
    expect(out.described).toEqual(described(name, bucket, { datetime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$/), aware: true }));
    const createdMs = Date.parse(((out.described as { DeliveryStreamDescription: { CreateTimestamp: { datetime: string } } }).DeliveryStreamDescription.CreateTimestamp.datetime));
    expect(createdMs).toBeGreaterThanOrEqual(before - 1000);
    expect(createdMs).toBeLessThanOrEqual(Date.now());
    expect(out.listed).toEqual({ DeliveryStreamNames: [name], HasMoreDeliveryStreams: false });
    expect(out.put).toEqual({ RecordId: expect.stringMatching(/^\S+$/), Encrypted: false });
    const batch = out.batch as { FailedPutCount: number; Encrypted: boolean; RequestResponses: Array<Record<string, unknown>> };
    expect({ ...batch, RequestResponses: batch.RequestResponses.length }).toEqual({ FailedPutCount: 0, Encrypted: false, RequestResponses: 300 });
    for (const r of batch.RequestResponses) expect(r).toEqual({ RecordId: expect.stringMatching(/^\S+$/) });
    expect(new Set([(out.put as { RecordId: string }).RecordId, ...batch.RequestResponses.map((r) => r.RecordId)]).size).toBe(301);
    expect(out.describeMissing).toEqual(missing('no-such-stream'));
    expect(out.putMissing).toEqual(missing('no-such-stream'));

    await expectOneObject(s3Dir(), bucket, name, records.object);

    const gone = await py('delete');
    expect(gone.deleted).toEqual({});
    expect(gone.listed).toEqual({ DeliveryStreamNames: [], HasMoreDeliveryStreams: false });
    expect(gone.describeDeleted).toEqual(missing(name));
  }, 40_000);
});
