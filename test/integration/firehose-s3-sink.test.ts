import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Sink, type S3SinkOptions } from '../../src/firehose/sinks/s3-sink.js';
import { findTool, MOTO_SERVER, needTool, requireTools } from './tools.js';

// The S3 sink against real S3 servers: s3rver (npm, in this process) and moto's server (python,
// optional). Requests go through a proxy that records each S3 operation and can fail or stop.
const OCTETS = 'application/octet-stream';
const MiB = 1024 * 1024;
const dirs: string[] = [];
// Credentials through the SDK's default chain (the environment first), not passed to the sink:
// s3rver accepts only S3RVER/S3RVER and checks the signature (moto accepts any). No config files
// and no AWS_REGION or AWS_PROFILE from the machine, so the region test knows what it reads.
const env: Record<string, string | undefined> = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_SESSION_TOKEN: undefined, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_REGION: undefined, AWS_PROFILE: undefined };
const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
function setEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}
setEnv(env);
afterAll(() => {
  setEnv(saved);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'riffle-s3sink-'));
  dirs.push(d);
  return d;
}

/** The S3 operation of a request, from its method and query (the SDK sends path-style URLs). */
function operation(method: string, url: string): string {
  const q = new URL(url, 'http://x').searchParams;
  if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'PUT' && q.has('partNumber')) return `UploadPart ${q.get('partNumber')}`;
  if (method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  return method === 'PUT' ? 'PutObject' : `${method} ${url}`;
}

/** A proxy to `upstream` that records operations; `fault` can answer 500 or stop the proxy. */
class Proxy {
  readonly ops: string[] = [];
  fault: (op: string) => 'stop' | 500 | undefined = () => undefined;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #port = 0;

  constructor(readonly upstream: URL) {
    this.#server = createServer((req, res) => {
      const op = operation(req.method as string, req.url as string);
      this.ops.push(op);
      const fault = this.fault(op);
      if (fault === 'stop') return void this.stop();
      if (fault === 500) return void res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>injected</Message></Error>');
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode as number, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
  }
  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }
  /** Stops listening and cuts every connection, the request in progress included. */
  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.#server.close(resolve));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

interface Upstream {
  endpoint: string;
  stop(): Promise<void>;
}

async function startS3rver(): Promise<Upstream> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tempDir() });
  const { port } = (await server.run()) as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

async function startMoto(python: string): Promise<Upstream> {
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`moto server did not start in 20 s: ${out}`)), 20_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`moto server exited with ${code}: ${out}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { endpoint: `http://127.0.0.1:${port}`, stop: async () => void (child.kill(), await exited) };
}

async function readBack(client: S3Client, bucket: string, key: string): Promise<{ body: Buffer; type?: string; encoding?: string; length?: number }> {
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  expect(got.ContentEncoding).toBe(head.ContentEncoding);
  const body = Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  return { body, type: head.ContentType, encoding: head.ContentEncoding, length: head.ContentLength };
}

/** The tests both servers pass. `abortWorks`: the server implements AbortMultipartUpload and ListMultipartUploads. */
function sinkSuite(name: string, start: () => Promise<Upstream>, abortWorks: boolean): void {
  describe(`S3Sink against ${name}`, () => {
    let upstream: Upstream;
    let proxy: Proxy;
    let reader: S3Client;
    const sinks: S3Sink[] = [];
    const sink = (options: Partial<S3SinkOptions> = {}): S3Sink => {
      const s = new S3Sink({ endpoint: proxy.endpoint, ...options });
      sinks.push(s);
      return s;
    };
    beforeAll(async () => {
      upstream = await start();
      proxy = new Proxy(new URL(upstream.endpoint));
      await proxy.start();
      reader = new S3Client({ endpoint: upstream.endpoint, forcePathStyle: true, region: 'us-east-1' });
      await reader.send(new CreateBucketCommand({ Bucket: 'firehose-out' }));
    });
    afterAll(async () => {
      for (const s of sinks) await s.close();
      reader?.destroy();
      await proxy?.stop();
      await upstream?.stop();
    });

    it('stores a small body with one PutObject, with its Content-Type and Content-Encoding', async () => {
      proxy.ops.length = 0;
      const body = randomBytes(100_000);
      await sink().put('firehose-out', 'logs/2024/05/01/12/s-1-2024-05-01-12-00-00-a.gz', body, { contentType: OCTETS, contentEncoding: 'gzip' });
      expect(proxy.ops).toEqual(['PutObject']);
      expect(await readBack(reader, 'firehose-out', 'logs/2024/05/01/12/s-1-2024-05-01-12-00-00-a.gz')).toEqual({ body, type: OCTETS, encoding: 'gzip', length: body.length });
      await sink().put('firehose-out', 'plain', Buffer.from('abcabcabc'), { contentType: OCTETS });
      expect(await readBack(reader, 'firehose-out', 'plain')).toEqual({ body: Buffer.from('abcabcabc'), type: OCTETS, encoding: undefined, length: 9 });
    });

    it('stores a body above the threshold as a multipart upload of 8 MiB parts', async () => {
      proxy.ops.length = 0;
      const body = randomBytes(20 * MiB + 123);
      await sink().put('firehose-out', 'big.snappy', body, { contentType: OCTETS, contentEncoding: 'hadoop-snappy' });
      expect([...proxy.ops].sort()).toEqual(['CompleteMultipartUpload', 'CreateMultipartUpload', 'UploadPart 1', 'UploadPart 2', 'UploadPart 3']);
      expect(proxy.ops[0]).toBe('CreateMultipartUpload');
      expect(proxy.ops.at(-1)).toBe('CompleteMultipartUpload');
      const got = await readBack(reader, 'firehose-out', 'big.snappy');
      expect({ ...got, body: undefined }).toEqual({ body: undefined, type: OCTETS, encoding: 'hadoop-snappy', length: body.length });
      expect(got.body.equals(body)).toBe(true);
    }, 60_000);

    it('aborts a multipart upload whose part fails, leaving no object', async () => {
      proxy.ops.length = 0;
      proxy.fault = (op) => (op === 'UploadPart 2' ? 500 : undefined); // every attempt at part 2
      try {
        const put = sink({ partConcurrency: 1 }).put('firehose-out', 'failed.gz', randomBytes(17 * MiB), { contentType: OCTETS, contentEncoding: 'gzip' });
        await expect(put).rejects.toThrow(new RegExp(`^storing s3://firehose-out/failed.gz at S3 endpoint ${proxy.endpoint} failed: InternalError \\(HTTP 500\\): injected${abortWorks ? '$' : '; aborting upload \\w+ failed too: MethodNotAllowed \\(HTTP 405\\)'}`));
      } finally {
        proxy.fault = () => undefined;
      }
      expect(proxy.ops).toEqual(['CreateMultipartUpload', 'UploadPart 1', 'UploadPart 2', 'UploadPart 2', 'UploadPart 2', 'AbortMultipartUpload']);
      await expect(reader.send(new HeadObjectCommand({ Bucket: 'firehose-out', Key: 'failed.gz' }))).rejects.toMatchObject({ name: 'NotFound' });
      if (abortWorks) expect((await reader.send(new ListMultipartUploadsCommand({ Bucket: 'firehose-out' }))).Uploads ?? []).toEqual([]);
    }, 60_000);

    it('rejects when the server stops in the middle of an upload, and stores the next put once it is back', async () => {
      proxy.ops.length = 0;
      proxy.fault = (op) => (op === 'UploadPart 2' ? 'stop' : undefined);
      const s = sink({ partConcurrency: 1 });
      const body = randomBytes(17 * MiB);
      const started = Date.now();
      try {
        await expect(s.put('firehose-out', 'midway.gz', body, { contentType: OCTETS })).rejects.toThrow(/failed: .*(ECONNREFUSED|ECONNRESET|socket hang up).*; aborting upload \w+ failed too: .*ECONNREFUSED/);
      } finally {
        proxy.fault = () => undefined;
      }
      expect(Date.now() - started).toBeLessThan(15_000);
      await expect(reader.send(new HeadObjectCommand({ Bucket: 'firehose-out', Key: 'midway.gz' }))).rejects.toMatchObject({ name: 'NotFound' });
      await expect(s.put('firehose-out', 'small', Buffer.from('x'), { contentType: OCTETS })).rejects.toThrow(/ECONNREFUSED/);
      await proxy.start(); // the same port
      await s.put('firehose-out', 'midway.gz', body, { contentType: OCTETS, contentEncoding: 'gzip' });
      const got = await readBack(reader, 'firehose-out', 'midway.gz');
      expect(got.body.equals(body)).toBe(true);
      expect(got.encoding).toBe('gzip');
    }, 60_000);
  });
}

sinkSuite('s3rver', startS3rver, false);

// moto is not a Debian package, so .ci/run cannot install it: optional even under
// RIFFLE_REQUIRE_TOOLS=1 (skipped with a line on stderr), unless RIFFLE_MOTO=1 asks for it.
const moto = process.env.RIFFLE_MOTO === '1' || !requireTools ? await needTool(MOTO_SERVER, { tests: 'the moto tests' }) : await findTool(MOTO_SERVER);
if (moto !== undefined && moto.missing === undefined) sinkSuite(`moto server (${moto.version})`, () => startMoto(moto.command), true);
else if (moto?.missing !== undefined) {
  console.warn(`riffle tests: skipping the moto tests (optional; RIFFLE_MOTO=1 requires them): ${moto.missing}`);
  it.skip(`needs ${MOTO_SERVER.name}`, () => {});
}

describe('S3Sink when the server is down or does not answer', () => {
  it('rejects in bounded time when nothing listens on the port', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const s = new S3Sink({ endpoint: `http://127.0.0.1:${port}` });
    const started = Date.now();
    await expect(s.put('firehose-out', 'k', Buffer.from('x'), { contentType: OCTETS })).rejects.toThrow(new RegExp(`^storing s3://firehose-out/k at S3 endpoint http://127.0.0.1:${port} failed: .*ECONNREFUSED`));
    expect(Date.now() - started).toBeLessThan(10_000);
    await s.close();
  });

  it('rejects after requestTimeoutMs × maxAttempts when the server accepts and never answers', async () => {
    let connections = 0;
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => {
      connections++;
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const s = new S3Sink({ endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, requestTimeoutMs: 500, maxAttempts: 2 });
    const started = Date.now();
    try {
      await expect(s.put('firehose-out', 'k', Buffer.from('x'), { contentType: OCTETS })).rejects.toThrow(/failed: TimeoutError: .*500 ms/);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(1_000);
      expect(took).toBeLessThan(10_000);
      expect(connections).toBe(2);
    } finally {
      await s.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('S3Sink configuration', () => {
  it('takes the region from the option, else AWS_REGION, else the config file, else us-east-1', async () => {
    const config = join(tempDir(), 'config');
    writeFileSync(config, '[default]\nregion = ap-south-1\n');
    const region = (options: Partial<S3SinkOptions> = {}): Promise<string> => new S3Sink({ endpoint: 'http://127.0.0.1:1', ...options }).client.config.region();
    expect(await region()).toBe('us-east-1');
    process.env.AWS_CONFIG_FILE = config;
    expect(await region()).toBe('ap-south-1');
    process.env.AWS_REGION = 'eu-west-3';
    expect(await region()).toBe('eu-west-3');
    expect(await region({ region: 'sa-east-1' })).toBe('sa-east-1');
    delete process.env.AWS_REGION;
    process.env.AWS_CONFIG_FILE = '/nonexistent';
  });

  it('refuses options out of range, naming the option and its range', () => {
    expect(() => new S3Sink({ endpoint: 'ftp://x' })).toThrow('S3Sink: endpoint must be an http:// or https:// URL (got "ftp://x")');
    expect(() => new S3Sink({ endpoint: 'http://x', partBytes: MiB })).toThrow('S3Sink: partBytes must be an integer from 5242880 to 5368709120 (got 1048576)');
    expect(() => new S3Sink({ endpoint: 'http://x', multipartThresholdBytes: 6 * MiB })).toThrow('S3Sink: multipartThresholdBytes must be an integer from 8388608');
    expect(() => new S3Sink({ endpoint: 'http://x', maxAttempts: 0 })).toThrow('S3Sink: maxAttempts must be an integer from 1 to 10 (got 0)');
  });
});
