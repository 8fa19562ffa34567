import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Riffle } from 'riffle';
import { CLI, rawRequest, startServer, type RunningServer } from './harness.js';

const run = promisify(execFile);

// The holes a hostile pass found (issue 14), each tried against the real server: the request
// gets an AWS-shaped answer in good time, the server stays up, and others are served meanwhile.
let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
  await rawRequest(server.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: 'hostile', ShardCount: 1 }));
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/TypeError|internal failure/);
  await server.stop();
});

describe('a request crafted against the model patterns', () => {
  it('a 30 KB StreamARN made of the pattern pieces is answered at once, and nobody waits behind it', async () => {
    const evil = 'arn:aws' + ':kinesis::000000000000:stream/'.repeat(1000) + ' ';
    for (const op of ['DescribeStreamSummary', 'ListShards', 'PutRecord']) {
      const t = performance.now();
      const body = op === 'PutRecord' ? { StreamARN: evil, PartitionKey: 'k', Data: 'eA==' } : { StreamARN: evil };
      const [bad, normal] = await Promise.all([
        rawRequest(server.port, `Kinesis_20131202.${op}`, JSON.stringify(body)),
        rawRequest(server.port, 'Kinesis_20131202.DescribeStreamSummary', JSON.stringify({ StreamName: 'hostile' })),
      ]);
      expect(performance.now() - t).toBeLessThan(1000);
      expect(bad.status).toBe(400);
      expect(bad.json()).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining("at 'streamARN' failed to satisfy constraint: Member must have length less than or equal to 2048") });
      expect(normal.status).toBe(200);
    }
    // Under the length limit the pattern is checked, in linear time.
    const within = 'arn:aws' + ':kinesis::000000000000:stream/'.repeat(65) + ' ';
    expect(within.length).toBeLessThanOrEqual(2048);
    const t = performance.now();
    const res = await rawRequest(server.port, 'Kinesis_20131202.DescribeStreamSummary', JSON.stringify({ StreamARN: within }));
    expect(performance.now() - t).toBeLessThan(500);
    expect(res.json()).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+') });
  });
});

describe('null where an object goes', () => {
  it('PutRecords with a null record answers ValidationException, not 500', async () => {
    const res = await rawRequest(server.port, 'Kinesis_20131202.PutRecords', JSON.stringify({ StreamName: 'hostile', Records: [null] }));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ __type: 'ValidationException', message: "1 validation error detected: Value null at 'records.1.member' failed to satisfy constraint: Member must not be null" });
    const mixed = await rawRequest(server.port, 'Kinesis_20131202.PutRecords', JSON.stringify({ StreamName: 'hostile', Records: [{ PartitionKey: 'k', Data: 'eA==' }, null] }));
    expect(mixed.json()).toMatchObject({ __type: 'ValidationException', message: "1 validation error detected: Value null at 'records.2.member' failed to satisfy constraint: Member must not be null" });
  });

  it('a null SUBSCRIBE frame answers SerializationException and the connection goes on', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.streamPort}/subscribe`);
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const replies: Array<Record<string, unknown>> = [];
    ws.on('message', (m: Buffer) => replies.push(JSON.parse(m.toString()) as Record<string, unknown>));
    for (const frame of ['null', '[]', '5', '"x"']) ws.send(frame);
    for (let i = 0; i < 100 && replies.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    expect(replies).toEqual(Array.from({ length: 4 }, () => ({ type: 'error', code: 'SerializationException', message: 'SUBSCRIBE must be a JSON object.' })));
    ws.close();
  });
});

describe('the data directory', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is made for its owner only: directories 0700, files 0600', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'riffle-modes-'));
    dirs.push(parent);
    const dataDir = join(parent, 'data');
    const riffle = await Riffle.start({ dataDir, throttle: false });
    try {
      await riffle.kinesis.createStream({ StreamName: 'private', ShardCount: 1 });
      await riffle.kinesis.putRecord({ StreamName: 'private', PartitionKey: 'k', Data: Buffer.from('secret') });
    } finally {
      await riffle.close();
    }
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(d, e.name), ...walk(join(d, e.name))] : [join(d, e.name)]));
    const all = [dataDir, ...walk(dataDir)];
    expect(all.some((f) => f.endsWith('.seg'))).toBe(true);
    for (const f of all) {
      const st = statSync(f);
      expect((st.mode & 0o777).toString(8), f).toBe(st.isDirectory() ? '700' : '600');
    }
  });

  it('takes over a LOCK whose pid now names another process, and refuses one its live writer holds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'riffle-lock-'));
    dirs.push(dataDir);
    // This test process is alive, but did not start at tick 1: the lock is stale (pid reused).
    writeFileSync(join(dataDir, 'LOCK'), `${process.pid} 1`);
    const s = await startServer(['--data-dir', dataDir]);
    const held = readFileSync(join(dataDir, 'LOCK'), 'utf8');
    expect(held).toMatch(new RegExp(`^${s.child.pid} \\d+$`));
    // A second server finds the live one's lock and refuses to start.
    const second = await run(process.execPath, [CLI, 'serve', '--port', '0', '--stream-port', '0', '--data-dir', dataDir], { timeout: 10_000 }).catch((e: { code: number; stderr: string }) => e);
    expect((second as { code: number }).code).toBe(2);
    expect((second as { stderr: string }).stderr).toContain(`is in use by process ${s.child.pid}`);
    await s.stop();
  });

  it('removes stream directories the manifest does not name (a kill before the stream was recorded)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'riffle-orphans-'));
    dirs.push(dataDir);
    let s = await startServer(['--data-dir', dataDir]);
    await rawRequest(s.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: 'kept', ShardCount: 1 }));
    await s.stop();
    const ghost = join(dataDir, 'streams', 'ghost.1796000000000', 'shard-0');
    mkdirSync(ghost, { recursive: true });
    writeFileSync(join(ghost, '00000000000000000001.seg'), 'RIFFLSEG');
    s = await startServer(['--data-dir', dataDir]);
    try {
      expect(existsSync(join(dataDir, 'streams', 'ghost.1796000000000'))).toBe(false);
      expect(readdirSync(join(dataDir, 'streams')).filter((d) => d.startsWith('kept.'))).toHaveLength(1);
      expect(s.stdout()).toContain('riffle: removed streams/ghost.1796000000000');
    } finally {
      await s.stop();
    }
  });
});
