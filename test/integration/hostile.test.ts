import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import { connect } from 'node:net';
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

/** One raw HTTP/1.1 request (headers as given), its status line and body. */
function raw(port: number, lines: string[], body = ''): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${lines.join('\r\n')}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('end', () => {
      const [head = '', rest = ''] = got.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), head, body: rest });
    });
    socket.on('error', reject);
  });
}

const POST = (target: string, host: string, extra: string[] = []): string[] => [
  'POST / HTTP/1.1',
  `host: ${host}`,
  'content-type: application/x-amz-json-1.1',
  `x-amz-target: ${target}`,
  'authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc',
  'x-amz-date: 20260101T000000Z',
  ...extra,
];

describe('web pages and rebinding host names', () => {
  it('answers only Host names that are this server, on both ports', async () => {
    const body = JSON.stringify({ StreamName: 'hostile' });
    for (const port of [server.port, server.streamPort]) {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', '[::1]:1', `riffle.localhost:${port}`]) {
        expect((await raw(port, POST('Kinesis_20131202.DescribeStreamSummary', host), body)).status, host).toBe(200);
      }
      const evil = await raw(port, POST('Kinesis_20131202.DescribeStreamSummary', `rebind.example.com:${port}`), body);
      expect(evil.status).toBe(400);
      expect(JSON.parse(evil.body)).toMatchObject({ __type: 'AccessDeniedException', message: expect.stringContaining('is not this server') });
    }
  });

  it('gives CORS to no other origin: a preflight or request from another page is refused, same-origin pages may call', async () => {
    const body = JSON.stringify({ StreamName: 'hostile' });
    for (const port of [server.port, server.streamPort]) {
      const host = `127.0.0.1:${port}`;
      const pre = await raw(port, ['OPTIONS / HTTP/1.1', `host: ${host}`, 'origin: http://evil.example', 'access-control-request-method: POST', 'access-control-request-headers: x-amz-target,content-type']);
      expect(pre.status).toBe(400);
      expect(pre.head.toLowerCase()).not.toContain('access-control-allow-origin');
      const post = await raw(port, POST('Kinesis_20131202.DescribeStreamSummary', host, ['origin: http://evil.example']), body);
      expect(post.status).toBe(400);
      expect(JSON.parse(post.body)).toMatchObject({ __type: 'AccessDeniedException' });
      const same = await raw(port, POST('Kinesis_20131202.DescribeStreamSummary', host, [`origin: http://${host}`]), body);
      expect(same.status).toBe(200);
      expect(same.head.toLowerCase()).toContain(`access-control-allow-origin: http://${host}`);
    }
  });

  it('lets the origins and hosts named by --allowed-origins and --allowed-hosts in, and only those', async () => {
    const s = await startServer(['--allowed-origins', 'http://app.test:3000', '--allowed-hosts', 'riffle.test']);
    try {
      const body = JSON.stringify({ StreamName: 'nope' });
      const ok = await raw(s.port, POST('Kinesis_20131202.DescribeStreamSummary', 'riffle.test', ['origin: http://app.test:3000']), body);
      expect(ok.status).toBe(400); // through to Kinesis: the stream is not found
      expect(JSON.parse(ok.body).__type).toBe('ResourceNotFoundException');
      expect(ok.head.toLowerCase()).toContain('access-control-allow-origin: http://app.test:3000');
      const pre = await raw(s.port, ['OPTIONS / HTTP/1.1', 'host: riffle.test', 'origin: http://app.test:3000', 'access-control-request-method: POST']);
      expect(pre.status).toBe(200);
      expect((await raw(s.port, POST('Kinesis_20131202.DescribeStreamSummary', 'other.test'), body)).status).toBe(400);
      expect(JSON.parse((await raw(s.port, POST('Kinesis_20131202.DescribeStreamSummary', 'riffle.test', ['origin: http://app.test:3001']), body)).body).__type).toBe('AccessDeniedException');
    } finally {
      await s.stop();
    }
  });

  it('refuses a WebSocket from another page, and takes one with no Origin (a program) or its own', async () => {
    const open = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.streamPort}/ingest`, { headers });
        ws.once('open', () => (ws.close(), resolve(101)));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(-1));
      });
    expect(await open({})).toBe(101);
    expect(await open({ origin: `http://127.0.0.1:${server.streamPort}` })).toBe(101);
    expect(await open({ origin: 'http://evil.example' })).toBe(403);
    expect(await open({ host: 'rebind.example.com' })).toBe(403);
  });
});

describe('many bodies at once', () => {
  it('holds at most --request-bodies-bytes of request bodies across connections: past it a retryable 503, and back once they close', async () => {
    const s = await startServer(['--request-bodies-bytes', String(4 * 1024 * 1024)]);
    try {
      const MiB = 1024 * 1024;
      // Connections that send 2 MiB of a 3 MiB body and hold it.
      const hold = (port: number) =>
        new Promise<{ socket: ReturnType<typeof connect>; answer: Promise<string> }>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(`${POST('Kinesis_20131202.PutRecords', `127.0.0.1:${port}`).join('\r\n')}\r\ncontent-length: ${3 * MiB}\r\n\r\n`);
            socket.write(Buffer.alloc(2 * MiB, 0x20));
            let got = '';
            const answer = new Promise<string>((r) => {
              socket.on('data', (d: Buffer) => {
                got += d.toString();
                if (got.includes('\r\n\r\n')) r(got);
              });
              socket.on('close', () => r(got));
            });
            resolve({ socket, answer });
          });
        });
      for (const port of [s.port, s.streamPort]) {
        const a = await hold(port);
        const b = await hold(port);
        await new Promise((r) => setTimeout(r, 200));
        const c = await hold(port);
        const refused = await Promise.race([c.answer, new Promise<string>((r) => setTimeout(() => r('no answer'), 3000))]);
        expect(refused, `port ${port}`).toMatch(/^HTTP\/1\.1 503/);
        expect(refused).toContain('ServiceUnavailable');
        for (const x of [a, b, c]) x.socket.destroy();
        await new Promise((r) => setTimeout(r, 200));
        // The budget is back: a normal request goes through.
        const normal = await raw(port, POST('Kinesis_20131202.ListStreams', `127.0.0.1:${port}`), '{}');
        expect(normal.status).toBe(200);
      }
      expect(s.alive()).toBe(true);
    } finally {
      await s.stop();
    }
  });
});

describe('slow clients', () => {
  it('closes an HTTP/1.1 connection whose headers drip for longer than 20 s, though each byte resets the idle timeout', async () => {
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const started = Date.now();
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - started)));
    socket.write('POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.write('x-drip: 1\r\n'), 1000);
    const ms = await closed;
    clearInterval(drip);
    expect(ms).toBeGreaterThanOrEqual(19_000);
    expect(ms).toBeLessThan(26_000);
    // Everyone else was served meanwhile.
    expect((await rawRequest(server.port, 'Kinesis_20131202.ListStreams', '{}')).status).toBe(200);
  }, 40_000);

  it('cuts off a body that drips for longer than 60 s after its headers: an HTTP/1.1 connection closed, an HTTP/2 stream reset', async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on('error', () => undefined);
    const h2Started = Date.now();
    const h2Stream = session.request({ ':method': 'POST', ':path': '/', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams', 'content-length': '1000' });
    h2Stream.on('error', () => undefined);
    const h2Closed = new Promise<{ ms: number; code: number }>((r) => h2Stream.once('close', () => r({ ms: Date.now() - h2Started, code: h2Stream.rstCode ?? -1 })));
    const h2Drip = setInterval(() => h2Stream.write(' '), 1000);
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - started)));
    socket.write('POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-amz-json-1.1\r\nx-amz-target: Kinesis_20131202.ListStreams\r\ncontent-length: 1000\r\n\r\n');
    const started = Date.now();
    const drip = setInterval(() => socket.write(' '), 1000);
    const ms = await closed;
    clearInterval(drip);
    expect(ms).toBeGreaterThanOrEqual(59_000);
    expect(ms).toBeLessThan(66_000);
    const h2 = await h2Closed;
    clearInterval(h2Drip);
    session.destroy();
    expect(h2.ms).toBeGreaterThanOrEqual(59_000);
    expect(h2.ms).toBeLessThan(66_000);
    expect(h2.code).toBe(http2.constants.NGHTTP2_CANCEL);
    expect((await rawRequest(server.port, 'Kinesis_20131202.ListStreams', '{}')).status).toBe(200);
  }, 80_000);

  it('takes at most 128 concurrent streams on an HTTP/2 session', async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on('error', () => undefined);
    await new Promise((r) => session.once('remoteSettings', r));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(128);
    session.destroy();
  });
});

/** The soft descriptor limit of this process (the server started by it inherits it). */
function openFilesLimit(): number {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m === null ? Infinity : Number(m[1]);
}

// 10,000 connections in this process and 10,000 in the server's, with room to spare.
describe.runIf(openFilesLimit() >= 20_000)('the connection cap', () => {
  it('holds at most 10,000 connections on the AWS port: a new one takes the place of the oldest silent one, and is closed at once when none is silent', async () => {
    const held: ReturnType<typeof connect>[] = [];
    try {
      // In waves, each connected before the next: a burst past the listen backlog has the kernel
      // drop SYNs and retry them seconds later.
      for (let wave = 0; wave < 40; wave++) {
        const made = Array.from({ length: 250 }, () => {
          const s = connect(server.port, '127.0.0.1');
          s.on('error', () => undefined);
          held.push(s);
          return new Promise((r) => s.once('connect', r));
        });
        await Promise.all(made);
      }
      /** A probe: served, closed unserved, or neither within 5 s (a loaded machine). */
      const closedAtOnce = async (): Promise<boolean | 'slow'> => {
        const s = connect(server.port, '127.0.0.1');
        s.on('error', () => undefined);
        return new Promise<boolean | 'slow'>((resolve) => {
          const timer = setTimeout(() => (s.destroy(), resolve('slow')), 5000);
          s.once('close', () => (clearTimeout(timer), resolve(true)));
          s.once('connect', () => s.write('POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\n\r\n'));
          s.once('data', () => (clearTimeout(timer), s.destroy(), resolve(false)));
        });
      };
      // All 10,000 silent: a client that speaks is served, in the place of the oldest of them. (The
      // server may still be accepting the last of them: until it is at the cap a probe is served
      // without taking anyone's place, so probe until one does.)
      let evicted = false;
      held[0]?.once('close', () => (evicted = true));
      for (let i = 0; i < 200 && !evicted; i++) {
        expect(await closedAtOnce()).not.toBe(true);
        if (!evicted) await new Promise((r) => setTimeout(r, 10));
      }
      expect(evicted).toBe(true);
      // None silent (each sends a byte of a request): past the cap a new connection is closed
      // unserved. Until the server has read every byte, a probe may still take a silent one's place:
      // that one is replaced by a connection that speaks at once, and the probe tried again.
      const speaking = (): ReturnType<typeof connect> => {
        const s = connect(server.port, '127.0.0.1', () => s.write('P'));
        s.on('error', () => undefined);
        return s;
      };
      held[0] = speaking();
      for (const s of held) s.write('P');
      let refused = false;
      for (let i = 0; i < 200 && !refused; i++) {
        refused = (await closedAtOnce()) === true;
        if (refused) break;
        held.forEach((s, k) => {
          if (s.destroyed) held[k] = speaking();
        });
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(refused).toBe(true);
      for (const s of held.splice(0, 10)) s.destroy();
      let served = false;
      for (let i = 0; i < 100 && !served; i++) {
        served = (await rawRequest(server.port, 'Kinesis_20131202.ListStreams', '{}').then((r) => r.status === 200, () => false));
        if (!served) await new Promise((r) => setTimeout(r, 20));
      }
      expect(served).toBe(true);
    } finally {
      for (const s of held) s.destroy();
    }
    expect(server.alive()).toBe(true);
  }, 150_000);
});
