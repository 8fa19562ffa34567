// Lambda transforms and dynamic partitioning configured by the AWS CLI (each one found: Debian's
// v2.9, pip's v1) and boto3, whose 2022 models have ProcessingConfiguration and
// DynamicPartitioningConfiguration: the CLI creates a partitioned stream and describes it; boto3
// creates a transformed one and puts, and the objects hold what the handler returned.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, uniqueName, type RunningServer } from '../harness.js';
import { AWS_CLI, findTools, needTool, PYTHON_WITH_BOTO3 } from '../tools.js';
import { bucketArn, objectsIn, ROLE, waitFor } from './helpers.js';

const run = promisify(execFile);
const clis = await findTools(AWS_CLI);
const python = await needTool(PYTHON_WITH_BOTO3, { tests: 'the boto3 transform test' });
const work = mkdtempSync(join(tmpdir(), 'riffle-fhtx-clients-'));
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDTX', AWS_SECRET_ACCESS_KEY: 'secret', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_ENDPOINT_URL: '' };
const BLUEPRINT = fileURLToPath(new URL('../../unit/firehose/handlers/blueprint.cjs', import.meta.url));
const UPPER = 'arn:aws:lambda:us-east-1:000000000000:function:upper';

describe.runIf(clis.length > 0 || python !== undefined)('transforms and dynamic partitioning from the AWS CLI and boto3', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(['--s3-dir', join(work, 's3'), '--lambda', `upper=${BLUEPRINT}`]);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  for (const cli of clis) {
    it(`${cli.version}: creates a partitioned stream with a jq query and a Lambda processor, and describes it`, async () => {
      const name = uniqueName('clidp');
      const file = join(work, `${name}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          RoleARN: ROLE,
          BucketARN: bucketArn(name),
          Prefix: 'c=!{partitionKeyFromQuery:customer}/t=!{partitionKeyFromLambda:tenant}/',
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
          DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              { Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{customer: .customer_id}' }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }] },
              { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: UPPER }] },
            ],
          },
        }),
      );
      const aws = (...args: string[]) => run(cli.command, ['--endpoint-url', `http://127.0.0.1:${server.port}`, 'firehose', ...args, '--output', 'json'], { env, timeout: 60_000 });
      await aws('create-delivery-stream', '--delivery-stream-name', name, '--extended-s3-destination-configuration', `file://${file}`);
      const { stdout } = await aws('describe-delivery-stream', '--delivery-stream-name', name);
      const d = (JSON.parse(stdout) as { DeliveryStreamDescription: { Destinations: Array<{ ExtendedS3DestinationDescription: Record<string, unknown> }> } }).DeliveryStreamDescription.Destinations[0]!.ExtendedS3DestinationDescription;
      expect(d).toMatchObject({
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            { Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{customer: .customer_id}' }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }] },
            { Type: 'Lambda', Parameters: expect.arrayContaining([{ ParameterName: 'LambdaArn', ParameterValue: UPPER }, { ParameterName: 'NumberOfRetries', ParameterValue: '3' }]) as unknown },
          ],
        },
      });
      // A query jq 1.6 cannot compile is refused, in the CLI's words for an AWS error.
      writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{customer: ' }] }] }, Prefix: 'c=!{partitionKeyFromQuery:customer}/' }));
      const err = await aws('create-delivery-stream', '--delivery-stream-name', `${name}-bad`, '--extended-s3-destination-configuration', `file://${file}`).catch((e: { stderr: string }) => e);
      expect((err as { stderr: string }).stderr).toMatch(/InvalidArgumentException.*MetadataExtractionQuery/);
    });
  }

  it.runIf(python !== undefined)('boto3: creates a stream with the Lambda processor and puts; the objects hold what the handler returned', async () => {
    const name = uniqueName('bototx');
    const config = {
      RoleARN: ROLE,
      BucketARN: bucketArn(name),
      Prefix: 'tx/',
      // Debian's 2022 boto3 takes no interval under 60 s: the 1.4 MB put below is past SizeInMBs at once.
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: UPPER }, { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '0' }] }, { Type: 'AppendDelimiterToRecord' }] },
    };
    const code = `
import json, sys, boto3
fh = boto3.client('firehose', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')
fh.create_delivery_stream(DeliveryStreamName=sys.argv[2], ExtendedS3DestinationConfiguration=json.loads(sys.argv[3]))
out = fh.put_record_batch(DeliveryStreamName=sys.argv[2], Records=[{'Data': b'one' * 233334}, {'Data': b''}, {'Data': b'two' * 233334}])
print(json.dumps({'failed': out['FailedPutCount']}))
`;
    const { stdout } = await run(python!.command, ['-c', code, `http://127.0.0.1:${server.port}`, name, JSON.stringify(config)], { env, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ failed: 0 });
    const body = await waitFor('the object', () => [...objectsIn(join(work, 's3'), name).values()][0]);
    expect(body.toString()).toBe(`${'ONE'.repeat(233334)} (upper)\n${'TWO'.repeat(233334)} (upper)\n`);
  });
});
