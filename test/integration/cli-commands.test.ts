import { spawn } from 'node:child_process';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, h2Client, startServer, uniqueName, type RunningServer } from './harness.js';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The child's environment: keys that make the SDK's chain answer at once, no AWS endpoint from the machine. */
const ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDCLI', AWS_SECRET_ACCESS_KEY: 'cli-secret', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: '', RIFFLE_ENDPOINT: '' };

/** `riffle <args>` as a process; `input` on its stdin. */
function riffle(args: string[], input = '', timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** A long-running `riffle <args>` (tail): resolves once its stderr has `ready`, then `done` gives everything. */
async function started(args: string[], ready: RegExp): Promise<{ done: Promise<Ran> }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<Ran>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (ready.test(stderr)) resolve();
    });
    void done.then(() => reject(new Error(`exited before it was ready: ${stderr}`)));
  });
  return { done };
}

async function readAll(kinesis: KinesisClient, stream: string): Promise<Array<{ shardId: string; data: string; key: string }>> {
  const out: Array<{ shardId: string; data: string; key: string }> = [];
  for (const shard of (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
    let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (let i = 0; i < 20 && it !== undefined; i++) {
      const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it }));
      for (const r of got.Records ?? []) out.push({ shardId: shard.ShardId!, data: Buffer.from(r.Data!).toString(), key: r.PartitionKey! });
      if ((got.Records?.length ?? 0) === 0 && got.MillisBehindLatest === 0) break;
      it = got.NextShardIterator;
    }
  }
  return out;
}

describe('riffle streams, describe, put, tail, load, stats', () => {
  let server: RunningServer;
  let kinesis: KinesisClient;
  let endpoint: string[];

  beforeAll(async () => {
    server = await startServer();
    kinesis = h2Client(server.port);
    endpoint = ['--endpoint', `http://127.0.0.1:${server.port}`];
  });
  afterAll(async () => {
    kinesis?.destroy();
    await server?.stop();
  });

  it('put: every line of stdin becomes a record, in PutRecords batches; --key-field keys JSON lines, a bad line is named and the rest stored', async () => {
    const stream = uniqueName('cliput');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 3 }));
    const lines = Array.from({ length: 1200 }, (_, i) => `line ${i} ünïcode`);
    const put = await riffle(['put', stream, ...endpoint], `${lines.join('\n')}\n`);
    expect(put.stderr).toContain(`riffle put: 1200 record(s) stored in ${stream}`);
    expect(put.code).toBe(0);
    const stored = await readAll(kinesis, stream);
    expect(stored.map((r) => r.data).sort()).toEqual([...lines].sort());
    expect(new Set(stored.map((r) => r.shardId)).size).toBe(3); // random keys spread over the shards

    const keyed = uniqueName('clikey');
    await kinesis.send(new CreateStreamCommand({ StreamName: keyed, ShardCount: 1 }));
    const json = ['{"user":{"id":"u1"},"n":1}', 'not json', '{"n":2}', '{"user":{"id":"u2"},"n":3}'];
    const bad = await riffle(['put', keyed, ...endpoint, '--key-field', 'user.id'], json.join('\n'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('line 2: not JSON, so it has no field user.id');
    expect(bad.stderr).toContain('line 3: no field user.id');
    expect(bad.stderr).toContain(`2 record(s) stored in ${keyed}; 2 not stored`);
    expect((await readAll(kinesis, keyed)).map((r) => [r.key, r.data])).toEqual([
      ['u1', json[0]],
      ['u2', json[3]],
    ]);

    // A line larger than the stream's records may be, and a key longer than Kinesis takes: only
    // those lines fail, by their numbers; the lines around them are stored.
    const sized = uniqueName('clisize');
    await kinesis.send(new CreateStreamCommand({ StreamName: sized, ShardCount: 1 }));
    const big = 'x'.repeat(1536 * 1024);
    const lines2 = ['{"k":"a","v":"first"}', JSON.stringify({ k: 'b', v: big }), `{"k":"${'y'.repeat(300)}"}`, '{"k":"c","v":"last"}'];
    const sizedRun = await riffle(['put', sized, ...endpoint, '--key-field', 'k'], lines2.join('\n'));
    expect(sizedRun.code).toBe(1);
    expect(sizedRun.stderr).toMatch(/line 2: (ValidationException|InvalidArgumentException): /);
    expect(sizedRun.stderr).toContain('line 3: the key is 300 characters; Kinesis takes 1 to 256');
    expect(sizedRun.stderr).toContain(`2 record(s) stored in ${sized}; 2 not stored`);
    expect((await readAll(kinesis, sized)).map((r) => r.key)).toEqual(['a', 'c']);
    // A stream that does not exist: the AWS error, after what was stored (nothing), exit 1.
    const missing = await riffle(['put', 'no-such-stream', ...endpoint], 'one\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('riffle put: 0 record(s) stored in no-such-stream; the rest not stored');
    expect(missing.stderr).toContain('riffle put: ResourceNotFoundException: Stream no-such-stream under account 000000000000 not found.');
  });

  it('tail: sees the records put after it started, each once, in order per shard and by arrival across shards', async () => {
    const stream = uniqueName('clitail');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 4 }));
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: 'old', Data: Buffer.from('before the tail') }] }));
    const tail = await started(['tail', stream, ...endpoint, '--json', '--limit', '60', '--poll-ms', '50'], /following .* \(4 shard\(s\)\) from latest/);
    const put: string[] = [];
    for (let i = 0; i < 20; i++) {
      await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: `p${i}`, Data: Buffer.from(`single ${i}`) }));
      put.push(`single ${i}`);
    }
    const batch = Array.from({ length: 40 }, (_, i) => `batch ${i}`);
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: batch.map((d, i) => ({ PartitionKey: `b${i}`, Data: Buffer.from(d) })) }));
    put.push(...batch);
    const out = await tail.done;
    expect(out.code).toBe(0);
    const seen = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { shardId: string; sequenceNumber: string; data: string; arrival: string; stream: string });
    expect(seen.map((r) => r.data).sort()).toEqual([...put].sort());
    expect(seen.every((r) => r.stream === stream)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(Date.parse(seen[i]!.arrival)).toBeGreaterThanOrEqual(Date.parse(seen[i - 1]!.arrival));
    const byShard = new Map<string, bigint[]>();
    for (const r of seen) byShard.set(r.shardId, [...(byShard.get(r.shardId) ?? []), BigInt(r.sequenceNumber)]);
    for (const seqs of byShard.values()) expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
    // The singles were put one after another: they come out in that order.
    expect(seen.map((r) => r.data).filter((d) => d.startsWith('single'))).toEqual(put.slice(0, 20));
    // From a time: what arrived since, not the record put before the tail started (when it is older).
    const since = seen[0]!.arrival;
    const again = await riffle(['tail', stream, ...endpoint, '--from', since, '--limit', '60', '--poll-ms', '50']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim().split('\n').sort()).toEqual([...put].sort());
    expect((await riffle(['tail', stream, ...endpoint, '--from', 'yesterday-ish'])).stderr).toBe('riffle tail: --from "yesterday-ish": latest, trim_horizon or an ISO 8601 time\n');
  });

  it("tail: follows a split into the shard's children, the parent's records first", async () => {
    const stream = uniqueName('clilineage');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 5 }, (_, i) => ({ PartitionKey: `a${i}`, Data: Buffer.from(`parent ${i}`) })) }));
    const tail = await started(['tail', stream, ...endpoint, '--from', 'trim_horizon', '--limit', '15', '--poll-ms', '50'], /following/);
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
    for (let i = 0; i < 60; i++) {
      const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
      if (shards.length === 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 10 }, (_, i) => ({ PartitionKey: `c${i}`, Data: Buffer.from(`child ${i}`) })) }));
    const out = await tail.done;
    const lines = out.stdout.trim().split('\n');
    expect(lines.slice(0, 5)).toEqual(Array.from({ length: 5 }, (_, i) => `parent ${i}`));
    expect(lines.slice(5).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `child ${i}`).sort());
  });

  it('streams and describe: names, modes, shards, lineage and consumers, as text and JSON', async () => {
    const stream = uniqueName('clidesc');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 7 }, (_, i) => ({ PartitionKey: `d${i}`, Data: Buffer.from('x') })) }));
    const list = await riffle(['streams', ...endpoint, '--json', '--rate-ms', '200']);
    expect(list.code).toBe(0);
    const row = (JSON.parse(list.stdout) as { streams: Array<Record<string, unknown>> }).streams.find((s) => s.name === stream);
    expect(row).toMatchObject({ status: 'ACTIVE', mode: 'PROVISIONED', openShards: 2, consumers: 0, recordsPerSec: 0 });
    const text = await riffle(['streams', ...endpoint, '--rate-ms', '0']);
    expect(text.stdout).toMatch(new RegExp(`^${stream}\\s+ACTIVE\\s+PROVISIONED\\s+2\\s+0\\s+–`, 'm'));

    const described = JSON.parse((await riffle(['describe', stream, ...endpoint, '--json'])).stdout) as { summary: Record<string, unknown>; shards: Array<{ ShardId: string; counts: { incomingRecords: number } | null }> };
    expect(described.summary).toMatchObject({ StreamName: stream, OpenShardCount: 2 });
    expect(described.shards.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(described.shards.reduce((n, s) => n + (s.counts?.incomingRecords ?? 0), 0)).toBe(7);
    const missing = await riffle(['describe', 'no-such-stream', ...endpoint]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('riffle describe: ResourceNotFoundException: Stream no-such-stream under account 000000000000 not found.\n');
  });

  it('load: reaches its rate within 5% on an unthrottled stream, with each transport, and says so in its JSON summary', async () => {
    const unthrottled = await startServer(['--no-throttle']);
    try {
      const stream = uniqueName('cliload');
      const k = h2Client(unthrottled.port);
      await k.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
      k.destroy();
      for (const transport of ['sdk', 'http', 'ws']) {
        const run = await riffle(['load', stream, '--endpoint', `http://127.0.0.1:${unthrottled.port}`, '--stream-endpoint', `ws://127.0.0.1:${unthrottled.streamPort}`, '--rate', '2000', '--seconds', '3', '--bytes', '200', '--transport', transport]);
        expect(run.code, run.stderr).toBe(0);
        const summary = JSON.parse(run.stdout) as { sent: number; stored: number; throttled: number; failed: number; skipped: number; achievedRate: number; latencyMs: { p50: number; p99: number }; timeline: Array<{ stored: number }> };
        expect(summary.throttled).toBe(0);
        expect(summary.failed).toBe(0);
        expect(Math.abs(summary.achievedRate - 2000) / 2000, transport).toBeLessThanOrEqual(0.05);
        // Sent at the rate as it went, not in a burst at the end: each of the first two whole seconds
        // stored about 2,000 (20%: answers near a second's edge land on either side of it on a busy machine).
        for (const second of summary.timeline.slice(0, 2)) expect(Math.abs(second.stored - 2000) / 2000, `${transport} ${JSON.stringify(summary.timeline)}`).toBeLessThanOrEqual(0.2);
        expect(summary.latencyMs.p99).toBeGreaterThan(0);
        expect(run.stderr).toMatch(/riffle load: \[#+\] 3\.0\/3 s/); // progress, ending full
      }
    } finally {
      await unthrottled.stop();
    }
  }, 60_000);

  it('load: reports throttling on a throttled stream; stats shows the stream and its busiest shard', async () => {
    const stream = uniqueName('clithrottle');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const load = riffle(['load', stream, ...endpoint, '--rate', '3000', '--seconds', '3', '--bytes', '100', '--keys', 'zipf:100,1.1', '--quiet']);
    await new Promise((r) => setTimeout(r, 1000));
    const stats = await riffle(['stats', ...endpoint, '--once', '--json', '--interval', '500']);
    const summary = JSON.parse((await load).stdout) as { stored: number; throttled: number; sent: number };
    // 1,000 records/s per shard: about a third of 3,000 records/s gets through.
    expect(summary.throttled).toBeGreaterThan(summary.sent / 3);
    expect(summary.stored + summary.throttled).toBe(summary.sent);
    expect(stats.code, stats.stderr).toBe(0);
    const view = JSON.parse(stats.stdout) as { streams: Array<{ name: string; recordsPerSec: number; throttledPerSec: number; shards: Array<{ shardId: string }> }> };
    const s = view.streams.find((x) => x.name === stream);
    expect(s?.recordsPerSec).toBeGreaterThan(500);
    expect(s?.throttledPerSec).toBeGreaterThan(500);
    expect(s?.shards.map((x) => x.shardId)).toEqual(['shardId-000000000000']);
  }, 60_000);

  it('answers --help for every command, and refuses bad options with exit code 2', async () => {
    for (const command of ['streams', 'describe', 'put', 'tail', 'load', 'stats']) {
      const help = await riffle([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: riffle ${command}`));
      expect(help.stdout).toContain('--endpoint');
    }
    const bad = await riffle(['load', 'x', '--rate', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('riffle load: --rate "fast": records per second to send, whatever the answers (default 1000)\n');
    expect((await riffle(['tail'])).stderr).toBe('riffle tail: name the stream: riffle tail <stream>\n');
    expect((await riffle(['load', 'x', '--keys', 'pareto:3'])).stderr).toBe('riffle load: --keys "pareto:3": uniform:N, zipf:N,s or hot:P\n');
    expect((await riffle(['stats', '--endpoint', 'ftp://x'])).code).toBe(2);
    // What would fail every record alike is said once, before anything is sent.
    expect(await riffle(['put', 'bad name!', ...endpoint], 'a\nb\n')).toMatchObject({ code: 2, stderr: 'riffle put: "bad name!" is not a stream name (1 to 128 of a-z, A-Z, 0-9, _ . -)\n' });
    expect(await riffle(['put', 'x', ...endpoint, '--key', ''], 'a\n')).toMatchObject({ code: 2, stderr: 'riffle put: --key: 1 to 256 characters\n' });
    expect(server.alive()).toBe(true);
  });
});
