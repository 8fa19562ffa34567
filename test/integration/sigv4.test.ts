import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Decoder, encode as cborEncode } from 'cbor-x';
import { CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand, RegisterStreamConsumerCommand, SubscribeToShardCommand } from '@aws-sdk/client-kinesis';
import { FirehoseClient, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { rawRequest, startServer, type RunningServer } from './harness.js';
import { AWS_CLI_V2, needTool, PYTHON_WITH_BOTO3 } from './tools.js';
import { Sha256 } from '../smithy-sha256.js';

// --auth sigv4: every request's Signature Version 4 is verified against the --credentials file,
// with AWS's errors for each failure, for every real client we have (SDK v3 over HTTP/2 and
// HTTP/1.1 for Kinesis, Firehose and S3, the AWS CLI, boto3), SubscribeToShard's event stream,
// and WebSocket upgrades (signed headers or a presigned URL).
const run = promisify(execFile);
const KEY = { accessKeyId: 'AKIDSIGNED', secretAccessKey: 'the-right-secret' };
const WRONG = { accessKeyId: 'AKIDSIGNED', secretAccessKey: 'a-wrong-secret' };
const UNKNOWN = { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'the-right-secret' };
const aws = await needTool(AWS_CLI_V2, { tests: 'the AWS CLI under --auth sigv4' });
const python = await needTool(PYTHON_WITH_BOTO3, { tests: 'boto3 under --auth sigv4' });

let server: RunningServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'riffle-sigv4-'));
  writeFileSync(join(dir, 'credentials'), `# access key, secret\n${KEY.accessKeyId} ${KEY.secretAccessKey}\nASIATEMPORARY temporary-secret\n`);
  server = await startServer(['--auth', 'sigv4', '--credentials', join(dir, 'credentials')]);
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const kinesis = (credentials: typeof KEY & { sessionToken?: string }, h1 = false) =>
  new KinesisClient({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', credentials, maxAttempts: 1, ...(h1 ? { requestHandler: new NodeHttpHandler() } : {}) });
const failure = (p: Promise<unknown>) => p.then(() => ({ name: 'none', message: '' }), (e: Error) => ({ name: e.name, message: e.message }));

describe('SigV4 verification', () => {
  it('takes the right key over HTTP/2 and HTTP/1.1, also with a session token, and SubscribeToShard', async () => {
    for (const h1 of [false, true]) {
      const c = kinesis(KEY, h1);
      const name = `signed-${h1 ? 'h1' : 'h2'}`;
      await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      const put = await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('signed') }));
      const it = (await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      expect((await c.send(new GetRecordsCommand({ ShardIterator: it }))).Records).toHaveLength(1);
    }
    const temp = kinesis({ accessKeyId: 'ASIATEMPORARY', secretAccessKey: 'temporary-secret', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' });
    expect((await temp.send(new DescribeStreamSummaryCommand({ StreamName: 'signed-h2' }))).StreamDescriptionSummary?.StreamName).toBe('signed-h2');
    // The event stream's request is signed like any other.
    const c = kinesis(KEY);
    const arn = (await c.send(new DescribeStreamSummaryCommand({ StreamName: 'signed-h2' }))).StreamDescriptionSummary?.StreamARN as string;
    const consumer = (await c.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'signed' }))).Consumer?.ConsumerARN as string;
    await new Promise((r) => setTimeout(r, 50));
    const abort = new AbortController();
    const sub = await c.send(new SubscribeToShardCommand({ ConsumerARN: consumer, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }), { abortSignal: abort.signal });
    for await (const ev of sub.EventStream ?? []) {
      expect(ev.SubscribeToShardEvent?.Records?.map((r) => Buffer.from(r.Data as Uint8Array).toString())).toEqual(['signed']);
      break;
    }
    abort.abort();
  });

  it("answers a wrong secret, an unknown key, a stale time and no signature with AWS's errors", async () => {
    for (const h1 of [false, true]) {
      expect(await failure(kinesis(WRONG, h1).send(new DescribeStreamSummaryCommand({ StreamName: 'signed-h2' })))).toEqual({
        name: 'InvalidSignatureException',
        message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      });
      expect(await failure(kinesis(UNKNOWN, h1).send(new DescribeStreamSummaryCommand({ StreamName: 'signed-h2' })))).toEqual({
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      });
    }
    // A correctly computed signature for a time 10 minutes ago.
    const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'kinesis', sha256: Sha256 });
    const body = JSON.stringify({ StreamName: 'signed-h2' });
    const old = new Date(Date.now() - 10 * 60_000);
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: server.port, path: '/', headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.DescribeStreamSummary' }, body, query: {} },
      { signingDate: old },
    );
    const res = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    const json = (await res.json()) as { __type: string; message: string };
    expect(json.__type).toBe('InvalidSignatureException');
    expect(json.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    // A body changed after signing.
    const tampered = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: (await signer.sign({ ...signed, headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.DescribeStreamSummary' }, body })).headers as Record<string, string>, body: JSON.stringify({ StreamName: 'other' }) });
    expect(((await tampered.json()) as { __type: string }).__type).toBe('InvalidSignatureException');
    // The harness's bogus signature no longer passes.
    const bogus = await rawRequest(server.port, 'Kinesis_20131202.ListStreams', '{}');
    expect(bogus.json().__type).toBe('UnrecognizedClientException');
    expect(server.alive()).toBe(true);
  });

  it('verifies CBOR requests (as the Java SDK and the KCL send them) on both ports, and answers in CBOR', async () => {
    const body = cborEncode({ StreamName: 'signed-h2' });
    const send = async (port: number, credentials: typeof KEY) => {
      const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'kinesis', sha256: Sha256 });
      const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/x-amz-cbor-1.1', 'x-amz-target': 'Kinesis_20131202.DescribeStreamSummary' };
      const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', headers, body, query: {} });
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
      return { status: res.status, type: res.headers.get('content-type'), value: new Decoder({ int64AsNumber: true, mapsAsObjects: true }).decode(Buffer.from(await res.arrayBuffer())) as Record<string, Record<string, unknown> | string> };
    };
    for (const port of [server.port, server.streamPort]) {
      const ok = await send(port, KEY);
      expect(ok.status).toBe(200);
      expect((ok.value.StreamDescriptionSummary as Record<string, unknown>).StreamName).toBe('signed-h2');
      const bad = await send(port, WRONG);
      expect(bad.status).toBe(400);
      expect(bad.type).toBe('application/x-amz-cbor-1.1');
      expect(bad.value.__type).toBe('InvalidSignatureException');
    }
  });

  it('verifies Firehose (HTTP/1.1) and S3 (with its own XML errors)', async () => {
    const fh = (credentials: typeof KEY) => new FirehoseClient({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
    expect((await fh(KEY).send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual([]);
    expect((await failure(fh(WRONG).send(new ListDeliveryStreamsCommand({})))).name).toBe('InvalidSignatureException');
    const s3 = (credentials: typeof KEY) => new S3Client({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' });
    expect((await s3(KEY).send(new ListBucketsCommand({}))).Buckets).toBeDefined();
    expect((await failure(s3(WRONG).send(new ListBucketsCommand({})))).name).toBe('SignatureDoesNotMatch');
    expect((await failure(s3(UNKNOWN).send(new ListBucketsCommand({})))).name).toBe('InvalidAccessKeyId');
  });

  it('signs WebSocket upgrades: refused unsigned, taken with a presigned URL', async () => {
    // A refusal: its status and the AWS error it names (x-amzn-ErrorType and the JSON body's __type).
    const open = (url: string) =>
      new Promise<number | string>((resolve) => {
        const ws = new WebSocket(url);
        ws.once('open', () => (ws.close(), resolve(101)));
        ws.once('unexpected-response', (req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            resolve(`${res.statusCode} ${String(res.headers['x-amzn-errortype'])} ${String((JSON.parse(body) as { __type: string }).__type)}`);
            req.destroy();
          });
        });
        ws.once('error', () => resolve(-1));
      });
    expect(await open(`ws://127.0.0.1:${server.streamPort}/ingest`)).toBe('403 MissingAuthenticationTokenException MissingAuthenticationTokenException');
    const presign = async (credentials: typeof KEY) => {
      const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'kinesis', sha256: Sha256 });
      const req = await signer.presign({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: server.streamPort, path: '/ingest', headers: { host: `127.0.0.1:${server.streamPort}` }, query: {} }, { expiresIn: 60 });
      return `ws://127.0.0.1:${server.streamPort}/ingest?${new URLSearchParams(req.query as Record<string, string>).toString()}`;
    };
    expect(await open(await presign(KEY))).toBe(101);
    expect(await open(await presign(WRONG))).toBe('403 InvalidSignatureException InvalidSignatureException');
    expect(await open(await presign(UNKNOWN))).toBe('403 UnrecognizedClientException UnrecognizedClientException');
  });

  it.runIf(aws !== undefined)('takes the AWS CLI with the right keys and refuses it with wrong ones', async () => {
    const cli = (creds: typeof KEY) =>
      run((aws as { command: string }).command, ['kinesis', 'list-streams', '--endpoint-url', `http://127.0.0.1:${server.port}`, '--region', 'us-east-1', '--output', 'json'], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' },
      }).then((r) => r.stdout, (e: { stderr: string }) => e.stderr);
    expect(JSON.parse(await cli(KEY)).StreamNames).toContain('signed-h2');
    expect(await cli(WRONG)).toContain('InvalidSignatureException');
  });

  it.runIf(python !== undefined)('takes boto3 with the right keys and refuses it with wrong ones', async () => {
    const script = `import boto3, sys\nc = boto3.client("kinesis", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])\ntry:\n    print(",".join(c.list_streams()["StreamNames"]))\nexcept c.exceptions.ClientError as e:\n    print(e.response["Error"]["Code"])\n`;
    const py = (creds: typeof KEY) => run((python as { command: string }).command, ['-c', script, `http://127.0.0.1:${server.port}`, creds.accessKeyId, creds.secretAccessKey]).then((r) => r.stdout.trim());
    expect(await py(KEY)).toContain('signed-h2');
    expect(await py(WRONG)).toBe('InvalidSignatureException');
    expect(await py(UNKNOWN)).toBe('UnrecognizedClientException');
  });
});
