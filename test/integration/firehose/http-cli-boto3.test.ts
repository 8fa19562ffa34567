// An HTTP endpoint destination created by the AWS CLI (each one found: Debian's v2.9, pip's v1) and
// boto3: their 2022 models have HttpEndpointDestinationConfiguration. The CLI creates and
// describes; boto3 creates, puts, and the receiver gets the records.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, uniqueName, type RunningServer } from '../harness.js';
import { AWS_CLI, findTools, needTool, PYTHON_WITH_BOTO3 } from '../tools.js';
import { bucketArn, ROLE, waitFor } from './helpers.js';

const run = promisify(execFile);
const clis = await findTools(AWS_CLI);
const python = await needTool(PYTHON_WITH_BOTO3, { tests: 'the boto3 HTTP endpoint test' });
const work = mkdtempSync(join(tmpdir(), 'riffle-fhhttp-'));
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDHTTP', AWS_SECRET_ACCESS_KEY: 'secret', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_ENDPOINT_URL: '' };

describe.runIf(clis.length > 0 || python !== undefined)('an HTTP endpoint destination from the AWS CLI and boto3', () => {
  let server: RunningServer;
  let receiver: http.Server;
  let url: string;
  const got: Array<{ records: string[]; key: string | undefined }> = [];
  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { requestId: string; records: Array<{ data: string }> };
        got.push({ records: body.records.map((r) => Buffer.from(r.data, 'base64').toString()), key: req.headers['x-amz-firehose-access-key'] as string | undefined });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: body.requestId, timestamp: Date.now() }));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`;
    server = await startServer(['--s3-dir', join(work, 's3')]);
  });
  afterAll(async () => {
    await server?.stop();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    rmSync(work, { recursive: true, force: true });
  });

  const config = (key: string) => ({
    EndpointConfiguration: { Url: url, Name: 'cli receiver', AccessKey: key },
    BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
    RetryOptions: { DurationInSeconds: 60 },
    S3Configuration: { RoleARN: ROLE, BucketARN: bucketArn('cli-backup') },
  });

  for (const cli of clis) {
    it(`${cli.version}: creates it and describes it, without the access key`, async () => {
      const name = uniqueName('clihttp');
      const file = join(work, `${name}.json`);
      writeFileSync(file, JSON.stringify(config('cli-key')));
      const aws = (...args: string[]) => run(cli.command, ['--endpoint-url', `http://127.0.0.1:${server.port}`, 'firehose', ...args, '--output', 'json'], { env, timeout: 60_000 });
      const created = JSON.parse((await aws('create-delivery-stream', '--delivery-stream-name', name, '--http-endpoint-destination-configuration', `file://${file}`)).stdout) as { DeliveryStreamARN: string };
      expect(created.DeliveryStreamARN).toBe(`arn:aws:firehose:us-east-1:000000000000:deliverystream/${name}`);
      const { stdout } = await aws('describe-delivery-stream', '--delivery-stream-name', name);
      const d = (JSON.parse(stdout) as { DeliveryStreamDescription: { Destinations: Array<{ HttpEndpointDestinationDescription: Record<string, unknown> }> } }).DeliveryStreamDescription.Destinations[0]!.HttpEndpointDestinationDescription;
      expect(d).toMatchObject({ EndpointConfiguration: { Url: url, Name: 'cli receiver' }, S3BackupMode: 'FailedDataOnly', RetryOptions: { DurationInSeconds: 60 } });
      expect(stdout).not.toContain('cli-key');
    });
  }

  it.runIf(python !== undefined)('boto3: creates it and puts; the endpoint gets the records with the access key', async () => {
    const name = uniqueName('botohttp');
    const code = `
import json, sys, boto3
fh = boto3.client('firehose', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')
fh.create_delivery_stream(DeliveryStreamName=sys.argv[2], HttpEndpointDestinationConfiguration=json.loads(sys.argv[3]))
out = fh.put_record_batch(DeliveryStreamName=sys.argv[2], Records=[{'Data': ('x' * 700000 + str(i)).encode()} for i in range(2)])
print(json.dumps({'failed': out['FailedPutCount']}))
`;
    const { stdout } = await run(python!.command, ['-c', code, `http://127.0.0.1:${server.port}`, name, JSON.stringify(config('boto-key'))], { env, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ failed: 0 });
    // 1.4 MB buffered past SizeInMBs 1: delivered at once, not after the 60 s interval.
    const request = await waitFor('the records at the endpoint', () => got.find((g) => g.key === 'boto-key'));
    expect(request.records.map((r) => r.slice(-1))).toEqual(['0', '1']);
  });
});
