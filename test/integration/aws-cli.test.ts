import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, uniqueName, type RunningServer } from './harness.js';
import { AWS_CLI, AWS_CLI_V2, findTools, needTool } from './tools.js';

const run = promisify(execFile);

/** Every distinct CLI found: Debian's v2 at /usr/bin/aws (.ci/run installs it), and any other `aws` on PATH (e.g. pip's v1). */
const available = await findTools(AWS_CLI);
// v2 is the CLI people install today: its absence skips (or, under RIFFLE_REQUIRE_TOOLS=1, fails) with a line saying so.
await needTool(AWS_CLI_V2, available.length > 0 ? { tests: 'the AWS CLI v2 tests' } : {});

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

// With no CLI at all, only the skipped `needs AWS CLI v2` test is left, and the server is not started.
describe.each(available)('$version', ({ command: bin, version }) => {
  const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run(bin, [...args, '--endpoint-url', `http://127.0.0.1:${server.port}`, '--region', 'us-east-1', '--output', 'json'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDRIFFLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' },
    });
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  };
  // CLI v2 treats blob arguments as base64 unless told otherwise; v1 sends them raw.
  const raw = version.startsWith('aws-cli/2') ? ['--cli-binary-format', 'raw-in-base64-out'] : [];

  it('creates a stream, puts three records with key user_123 and gets them back in order', async () => {
    const name = uniqueName('cli');
    await aws('kinesis', 'create-stream', '--stream-name', name, '--shard-count', '1');
    const described = (await aws('kinesis', 'describe-stream', '--stream-name', name)) as { StreamDescription: { StreamStatus: string } };
    expect(described.StreamDescription.StreamStatus).toBe('ACTIVE');
    const puts: Array<{ ShardId: string; SequenceNumber: string }> = [];
    for (const body of ['first record', 'second record', 'third record']) {
      puts.push((await aws('kinesis', 'put-record', '--stream-name', name, '--partition-key', 'user_123', '--data', body, ...raw)) as (typeof puts)[number]);
    }
    expect(puts.map((p) => p.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000000', 'shardId-000000000000']);
    const it = (await aws('kinesis', 'get-shard-iterator', '--stream-name', name, '--shard-id', 'shardId-000000000000', '--shard-iterator-type', 'TRIM_HORIZON')) as {
      ShardIterator: string;
    };
    const got = (await aws('kinesis', 'get-records', '--shard-iterator', it.ShardIterator)) as {
      Records: Array<{ Data: string; PartitionKey: string; SequenceNumber: string; ApproximateArrivalTimestamp: unknown }>;
      NextShardIterator: string;
      MillisBehindLatest: number;
    };
    expect(got.Records.map((r) => Buffer.from(r.Data, 'base64').toString())).toEqual(['first record', 'second record', 'third record']);
    expect(got.Records.map((r) => r.PartitionKey)).toEqual(['user_123', 'user_123', 'user_123']);
    expect(got.Records.map((r) => r.SequenceNumber)).toEqual(puts.map((p) => p.SequenceNumber));
    expect(got.MillisBehindLatest).toBe(0);
    expect(typeof got.NextShardIterator).toBe('string');
  });

  // Neither CLI has a subscribe-to-shard command (it is an event stream operation); the consumer
  // operations around it are plain JSON ones.
  it('registers, describes, lists and deregisters an enhanced fan-out consumer', async () => {
    const name = uniqueName('clic');
    await aws('kinesis', 'create-stream', '--stream-name', name, '--shard-count', '1');
    const streamArn = ((await aws('kinesis', 'describe-stream-summary', '--stream-name', name)) as { StreamDescriptionSummary: { StreamARN: string } }).StreamDescriptionSummary.StreamARN;
    const registered = (await aws('kinesis', 'register-stream-consumer', '--stream-arn', streamArn, '--consumer-name', 'cli-reader')) as { Consumer: { ConsumerARN: string; ConsumerStatus: string } };
    expect(registered.Consumer.ConsumerARN).toMatch(new RegExp(`^${streamArn}/consumer/cli-reader:\\d+$`));
    expect(registered.Consumer.ConsumerStatus).toBe('CREATING');
    const described = (await aws('kinesis', 'describe-stream-consumer', '--consumer-arn', registered.Consumer.ConsumerARN)) as { ConsumerDescription: { ConsumerName: string; StreamARN: string } };
    expect(described.ConsumerDescription).toMatchObject({ ConsumerName: 'cli-reader', StreamARN: streamArn });
    const listed = (await aws('kinesis', 'list-stream-consumers', '--stream-arn', streamArn)) as { Consumers: Array<{ ConsumerName: string }> };
    expect(listed.Consumers.map((c) => c.ConsumerName)).toEqual(['cli-reader']);
    const again = await aws('kinesis', 'register-stream-consumer', '--stream-arn', streamArn, '--consumer-name', 'cli-reader').catch((e: { stderr: string }) => e);
    expect((again as { stderr: string }).stderr).toContain('ResourceInUseException');
    await aws('kinesis', 'deregister-stream-consumer', '--consumer-arn', registered.Consumer.ConsumerARN);
    // DELETING lasts --delete-stream-ms, 0 on this server: gone at once.
    const gone = await aws('kinesis', 'describe-stream-consumer', '--consumer-arn', registered.Consumer.ConsumerARN).catch((e: { stderr: string }) => e);
    expect((gone as { stderr: string }).stderr).toContain('ResourceNotFoundException');
    expect(((await aws('kinesis', 'list-stream-consumers', '--stream-arn', streamArn)) as { Consumers: unknown[] }).Consumers).toEqual([]);
  });

  it('shows AWS errors the way the CLI prints them', async () => {
    const err = await aws('kinesis', 'describe-stream', '--stream-name', 'no-such-stream').catch((e: { stderr: string; code: number }) => e);
    // CLI v2 exits 254 on a service error, v1 exits 255.
    expect((err as { code: number }).code).toBe(version.startsWith('aws-cli/2') ? 254 : 255);
    expect((err as { stderr: string }).stderr).toContain('ResourceNotFoundException');
    expect((err as { stderr: string }).stderr).toContain('Stream no-such-stream under account 000000000000 not found.');
  });

  it('reshards with split-shard, merge-shards and update-shard-count, and lists with --shard-filter', async () => {
    const name = uniqueName('clir');
    await aws('kinesis', 'create-stream', '--stream-name', name, '--shard-count', '1');
    // split-shard, merge-shards answer nothing; update-shard-count answers the counts.
    expect(await aws('kinesis', 'split-shard', '--stream-name', name, '--shard-to-split', 'shardId-000000000000', '--new-starting-hash-key', (1n << 127n).toString())).toEqual({});
    expect(await aws('kinesis', 'merge-shards', '--stream-name', name, '--shard-to-merge', 'shardId-000000000001', '--adjacent-shard-to-merge', 'shardId-000000000002')).toEqual({});
    const scaled = (await aws('kinesis', 'update-shard-count', '--stream-name', name, '--target-shard-count', '2', '--scaling-type', 'UNIFORM_SCALING')) as Record<string, unknown>;
    expect(scaled).toMatchObject({ StreamName: name, CurrentShardCount: 1, TargetShardCount: 2 });
    const all = (await aws('kinesis', 'list-shards', '--stream-name', name)) as { Shards: Array<{ ShardId: string; ParentShardId?: string; AdjacentParentShardId?: string }> };
    expect(all.Shards.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003', 'shardId-000000000004', 'shardId-000000000005']);
    expect(all.Shards[3]).toMatchObject({ ParentShardId: 'shardId-000000000001', AdjacentParentShardId: 'shardId-000000000002' });
    const latest = (await aws('kinesis', 'list-shards', '--stream-name', name, '--shard-filter', 'Type=AT_LATEST')) as { Shards: Array<{ ShardId: string }> };
    expect(latest.Shards.map((s) => s.ShardId)).toEqual(['shardId-000000000004', 'shardId-000000000005']);
    const after = (await aws('kinesis', 'list-shards', '--stream-name', name, '--shard-filter', 'Type=AFTER_SHARD_ID,ShardId=shardId-000000000003')) as { Shards: Array<{ ShardId: string }> };
    expect(after.Shards.map((s) => s.ShardId)).toEqual(['shardId-000000000004', 'shardId-000000000005']);
    const closed = await aws('kinesis', 'split-shard', '--stream-name', name, '--shard-to-split', 'shardId-000000000000', '--new-starting-hash-key', '12345').catch((e: { stderr: string; code: number }) => e);
    expect((closed as { code: number }).code).toBe(version.startsWith('aws-cli/2') ? 254 : 255);
    expect((closed as { stderr: string }).stderr).toContain('InvalidArgumentException');
    expect((closed as { stderr: string }).stderr).toContain('has already been merged or split, and thus is not eligible for merging or splitting.');
  });
});
