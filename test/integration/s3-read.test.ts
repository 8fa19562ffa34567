// The read-only S3 API of a real server process over a seeded directory in the S3 layout, on both
// endpoints (node:http + h2c, and uWebSockets.js), with real clients: the AWS SDK v3 S3 client,
// raw HTTP/1.1 and HTTP/2, and every AWS CLI found (ls, ls --recursive, cp of a 20 MiB object,
// which the CLIs fetch in ranged parts). Listings are compared with a model of S3's semantics.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './harness.js';
import { AWS_CLI, AWS_CLI_V2, findTools, needTool } from './tools.js';

const run = promisify(execFile);
const available = await findTools(AWS_CLI);
await needTool(AWS_CLI_V2, available.length > 0 ? { tests: 'the AWS CLI v2 tests' } : {});

const BIG_BYTES = 20 * 1024 * 1024;
const S3_AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDRIFFLE/20261201/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
const SIGNED = { authorization: S3_AUTH, 'x-amz-date': '20261201T000000Z' };

/** Deterministic bytes (xorshift32), so a failure can be reproduced. */
function seededBytes(length: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(length / 4));
  let s = seed >>> 0;
  for (let i = 0; i < words.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    words[i] = s >>> 0;
  }
  return Buffer.from(words.buffer, 0, length);
}
const BIG = seededBytes(BIG_BYTES, 0xf1e2d3);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Keys of the 'paging' bucket: ~1,850 keys, names around '/' ('-' < '/' < '0'), non-ASCII, and 1,500 in one directory. */
const PAGING_KEYS: string[] = [];
for (const dir of ['a', 'a-b', 'a0', 'b', 'é', '😀', '\ue000', 'x y', 'plus+sign']) {
  for (let i = 0; i < 20; i++) PAGING_KEYS.push(`${dir}/${i % 3}/obj-${i}`, `${dir}-top-${i}`);
}
for (let i = 0; i < 1500; i++) PAGING_KEYS.push(`bulk/part-${String(i).padStart(5, '0')}.json`);
PAGING_KEYS.sort(byBytes);

type Entry = { key: string } | { prefix: string };
const entryName = (e: Entry): string => ('key' in e ? e.key : e.prefix);

/** S3's listing of `keys`: prefix, delimiter roll-up, after start-after, in UTF-8 byte order. */
function model(keys: string[], prefix = '', delimiter = '', startAfter = ''): Entry[] {
  const out: Entry[] = [];
  for (const key of keys) {
    if (!key.startsWith(prefix) || byBytes(key, startAfter) <= 0) continue;
    const at = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    if (at === -1) out.push({ key });
    else {
      const cp = key.slice(0, at + delimiter.length);
      if (byBytes(cp, startAfter) > 0 && !out.some((e) => 'prefix' in e && e.prefix === cp)) out.push({ prefix: cp });
    }
  }
  return out;
}

let root: string;
let s3Dir: string;
let server: RunningServer;

function seed(bucket: string, key: string, bytes: string | Buffer): void {
  const file = path.join(s3Dir, bucket, ...key.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'riffle-s3-read-'));
  s3Dir = path.join(root, 's3');
  for (const key of PAGING_KEYS) seed('paging', key, key);
  seed('big', 'big-object', BIG);
  seed('delivery', 'orders/2026/12/01/09/orders-1-2026-12-01-09-00-00-0f1e.gz', 'gzip');
  seed('delivery', 'orders/2026/12/01/09/orders-1-2026-12-01-09-05-00-1a2b.snappy', 'snappy');
  // Metadata beside an object, as Firehose's directory sink keeps it: HADOOP_SNAPPY is named .snappy too.
  seed('delivery', 'orders/2026/12/01/09/orders-1-2026-12-01-09-10-00-2b3c.snappy', 'hadoop snappy');
  seed('delivery', 'orders/2026/12/01/09/.riffle-meta/orders-1-2026-12-01-09-10-00-2b3c.snappy', '{"contentType":"application/octet-stream","contentEncoding":"hadoop-snappy"}');
  seed('delivery', 'orders/2026/12/01/09/.riffle-meta/.riffle-tmp-z', '{}');
  seed('delivery', 'orders/2026/12/01/09/.riffle-tmp-x', 'being written');
  seed('delivery', '.riffle-tmp-y', 'being written');
  mkdirSync(path.join(s3Dir, 'empty-bucket'));
  writeFileSync(path.join(root, 'secret'), 'outside the S3 directory');
  server = await startServer(['--s3-dir', s3Dir]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

function client(port: number): S3Client {
  return new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDRIFFLE', secretAccessKey: 'riffle-secret' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

/** One raw HTTP/1.1 exchange on a fresh connection. */
function raw(port: number, method: string, target: string, headers: Record<string, string> = SIGNED): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const endpoints = [
  ['node:http', () => server.port],
  ['uWebSockets.js', () => server.streamPort],
] as const;

describe.each(endpoints)('S3 SDK v3 over %s', (_name, port) => {
  let s3: S3Client;
  beforeAll(() => {
    s3 = client(port());
  });

  it('lists the buckets, not what is not a bucket', async () => {
    const { Buckets, Owner } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toEqual(['big', 'delivery', 'empty-bucket', 'paging']);
    expect(Buckets?.every((b) => b.CreationDate instanceof Date)).toBe(true);
    expect(Owner?.DisplayName).toBe('riffle');
  });

  it.each([
    { prefix: '', delimiter: '', maxKeys: undefined },
    { prefix: '', delimiter: '/', maxKeys: 4 },
    { prefix: 'a', delimiter: '/', maxKeys: 3 },
    { prefix: 'a/', delimiter: '/', maxKeys: 2 },
    { prefix: 'bulk/', delimiter: '', maxKeys: 333 },
    { prefix: '', delimiter: '-', maxKeys: 5 },
    { prefix: 'é', delimiter: '/', maxKeys: 1 },
    { prefix: 'nothing-here', delimiter: '/', maxKeys: 10 },
  ])('pages ListObjectsV2 as S3 does: %j', async ({ prefix, delimiter, maxKeys }) => {
    const expected = model(PAGING_KEYS, prefix, delimiter);
    const got: Entry[] = [];
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({ Bucket: 'paging', Prefix: prefix, Delimiter: delimiter || undefined, MaxKeys: maxKeys, ContinuationToken: token }),
      );
      pages++;
      const entries: Entry[] = [...(page.Contents ?? []).map((c) => ({ key: c.Key! })), ...(page.CommonPrefixes ?? []).map((p) => ({ prefix: p.Prefix! }))];
      expect(page.KeyCount).toBe(entries.length);
      expect(entries.length).toBeLessThanOrEqual(maxKeys ?? 1000);
      got.push(...entries.sort((a, b) => byBytes(entryName(a), entryName(b))));
      for (const c of page.Contents ?? []) {
        expect(c.Size).toBe(Buffer.byteLength(c.Key!));
        expect(c.ETag).toBe(`"${createHash('md5').update(c.Key!).digest('hex')}"`);
        expect(c.StorageClass).toBe('STANDARD');
        expect(c.Owner).toBeUndefined();
      }
      if (!page.IsTruncated) break;
      expect(entries.length).toBe(maxKeys ?? 1000);
      token = page.NextContinuationToken;
    }
    expect(got).toEqual(expected);
    expect(pages).toBe(Math.max(1, Math.ceil(expected.length / (maxKeys ?? 1000))));
  });

  it('ListObjectsV2 with StartAfter, FetchOwner and EncodingType url', async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'paging', StartAfter: 'plus', FetchOwner: true, EncodingType: 'url', MaxKeys: 3 }));
    const expected = model(PAGING_KEYS, '', '', 'plus').slice(0, 3).map(entryName);
    expect(page.Contents?.map((c) => decodeURIComponent(c.Key!))).toEqual(expected);
    expect(page.Contents?.[0]?.Key).toBe('plus%2Bsign-top-0');
    expect(page.Contents?.[0]?.Owner?.DisplayName).toBe('riffle');
    expect(page.StartAfter).toBe('plus');
    const spaced = await s3.send(new ListObjectsV2Command({ Bucket: 'paging', Prefix: 'x y/', Delimiter: '/', EncodingType: 'url' }));
    expect(spaced.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['x%20y/0/', 'x%20y/1/', 'x%20y/2/']);
  });

  it('pages ListObjects (v1) with Marker and NextMarker', async () => {
    for (const delimiter of ['', '/']) {
      const expected = model(PAGING_KEYS, '', delimiter);
      const got: Entry[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await s3.send(new ListObjectsCommand({ Bucket: 'paging', Delimiter: delimiter || undefined, MaxKeys: 700, Marker: marker }));
        const entries: Entry[] = [...(page.Contents ?? []).map((c) => ({ key: c.Key! })), ...(page.CommonPrefixes ?? []).map((p) => ({ prefix: p.Prefix! }))];
        got.push(...entries.sort((a, b) => byBytes(entryName(a), entryName(b))));
        expect(page.Contents?.every((c) => c.Owner?.ID?.length === 64) ?? true).toBe(true);
        if (!page.IsTruncated) break;
        // NextMarker only with a delimiter; otherwise the last key is the marker.
        marker = delimiter === '' ? page.Contents!.at(-1)!.Key : page.NextMarker;
        expect(marker).toBeDefined();
      }
      expect(got).toEqual(expected);
    }
  });

  it('hides objects still being written', async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'delivery' }));
    expect(page.Contents?.map((c) => c.Key)).toEqual([
      'orders/2026/12/01/09/orders-1-2026-12-01-09-00-00-0f1e.gz',
      'orders/2026/12/01/09/orders-1-2026-12-01-09-05-00-1a2b.snappy',
      'orders/2026/12/01/09/orders-1-2026-12-01-09-10-00-2b3c.snappy',
    ]);
    const level = await s3.send(new ListObjectsV2Command({ Bucket: 'delivery', Prefix: 'orders/2026/12/01/09/', Delimiter: '/' }));
    expect(level.CommonPrefixes).toBeUndefined(); // no .riffle-meta/
    const meta = await s3.send(new HeadObjectCommand({ Bucket: 'delivery', Key: 'orders/2026/12/01/09/.riffle-meta/orders-1-2026-12-01-09-10-00-2b3c.snappy' })).catch((e: { $metadata: { httpStatusCode: number } }) => e);
    expect((meta as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);
    const hidden = await s3.send(new GetObjectCommand({ Bucket: 'delivery', Key: '.riffle-tmp-y' })).catch((e: Error) => e);
    expect((hidden as Error).name).toBe('NoSuchKey');
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'empty-bucket' }))).KeyCount).toBe(0);
  });

  it('HeadBucket, and NoSuchBucket', async () => {
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'paging' }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(head.BucketRegion).toBe('us-east-1');
    const missing = await s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })).catch((e: { name: string; $metadata: { httpStatusCode: number } }) => e);
    expect((missing as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' })).catch((e: Error & { BucketName?: string }) => e);
    expect((list as Error).name).toBe('NoSuchBucket');
    expect((list as Error).message).toBe('The specified bucket does not exist');
  });

  it('HeadObject and GetObject of a 20 MiB object, whole and in ranges', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'big', Key: 'big-object' }));
    expect(head.ContentLength).toBe(BIG_BYTES);
    expect(head.AcceptRanges).toBe('bytes');
    expect(head.ContentType).toBe('application/octet-stream');
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-1"$/); // larger than 64 KiB: an identity ETag, stable
    expect(head.LastModified?.getTime()).toBeGreaterThan(Date.now() - 600_000);

    const whole = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: 'big-object' }));
    expect(whole.ContentLength).toBe(BIG_BYTES);
    expect(whole.ETag).toBe(head.ETag);
    expect(sha256(await whole.Body!.transformToByteArray())).toBe(sha256(BIG));

    for (const [range, start, end] of [
      ['bytes=0-0', 0, 0],
      ['bytes=100-8388707', 100, 8388707],
      ['bytes=16777216-', 16777216, BIG_BYTES - 1],
      ['bytes=-5', BIG_BYTES - 5, BIG_BYTES - 1],
      ['bytes=20971000-99999999', 20971000, BIG_BYTES - 1],
    ] as const) {
      const part = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: 'big-object', Range: range }));
      expect(part.$metadata.httpStatusCode).toBe(206);
      expect(part.ContentRange).toBe(`bytes ${start}-${end}/${BIG_BYTES}`);
      expect(part.ContentLength).toBe(end - start + 1);
      expect(Buffer.from(await part.Body!.transformToByteArray()).equals(BIG.subarray(start, end + 1))).toBe(true);
    }
  });

  it('answers a range past the end with InvalidRange', async () => {
    const err = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: 'big-object', Range: `bytes=${BIG_BYTES}-` })).catch((e: Error & { $metadata: { httpStatusCode: number } }) => e);
    expect((err as Error).name).toBe('InvalidRange');
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(416);
  });

  it('labels objects with their stored metadata, else by their extension, with the MD5 ETag of small ones', async () => {
    const gz = await s3.send(new GetObjectCommand({ Bucket: 'delivery', Key: 'orders/2026/12/01/09/orders-1-2026-12-01-09-00-00-0f1e.gz' }));
    expect([gz.ContentEncoding, gz.ContentType, gz.ETag]).toEqual(['gzip', 'application/octet-stream', `"${createHash('md5').update('gzip').digest('hex')}"`]);
    expect(Buffer.from(await gz.Body!.transformToByteArray()).toString()).toBe('gzip'); // as stored: never decoded here
    const snappy = await s3.send(new HeadObjectCommand({ Bucket: 'delivery', Key: 'orders/2026/12/01/09/orders-1-2026-12-01-09-05-00-1a2b.snappy' }));
    expect(snappy.ContentEncoding).toBe('snappy-java');
    const hadoop = await s3.send(new GetObjectCommand({ Bucket: 'delivery', Key: 'orders/2026/12/01/09/orders-1-2026-12-01-09-10-00-2b3c.snappy' }));
    expect([hadoop.ContentEncoding, hadoop.ContentType, await hadoop.Body!.transformToString()]).toEqual(['hadoop-snappy', 'application/octet-stream', 'hadoop snappy']);
    const plain = await s3.send(new HeadObjectCommand({ Bucket: 'paging', Key: 'x y/0/obj-0' }));
    expect(plain.ContentEncoding).toBeUndefined();
  });

  it('conditional GETs: IfNoneMatch is 304, IfMatch of another ETag 412', async () => {
    const { ETag } = await s3.send(new HeadObjectCommand({ Bucket: 'paging', Key: 'a0-top-1' }));
    const notModified = await s3.send(new GetObjectCommand({ Bucket: 'paging', Key: 'a0-top-1', IfNoneMatch: ETag })).catch((e: { $metadata: { httpStatusCode: number } }) => e);
    expect((notModified as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(304);
    const failed = await s3.send(new GetObjectCommand({ Bucket: 'paging', Key: 'a0-top-1', IfMatch: '"0000"' })).catch((e: Error) => e);
    expect((failed as Error).name).toBe('PreconditionFailed');
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'paging', Key: 'a0-top-1', IfMatch: ETag }));
    expect(await ok.Body!.transformToString()).toBe('a0-top-1');
  });

  it('refuses every write: the API is read-only', async () => {
    for (const command of [
      new PutObjectCommand({ Bucket: 'paging', Key: 'new-object', Body: 'x' }),
      new DeleteObjectCommand({ Bucket: 'paging', Key: 'a0-top-1' }),
      new CreateBucketCommand({ Bucket: 'new-bucket' }),
    ]) {
      const err = await s3.send(command as PutObjectCommand).catch((e: Error & { $metadata: { httpStatusCode: number } }) => e);
      expect((err as Error).name).toBe('MethodNotAllowed');
      expect((err as Error).message).toContain("Riffle's S3 API is read-only");
      expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(405);
    }
    expect(readFileSync(path.join(s3Dir, 'paging', 'a0-top-1'), 'utf8')).toBe('a0-top-1');
    expect(readdirSync(s3Dir)).not.toContain('new-bucket');
  });
});

describe.each(endpoints)('the transport over %s', (_name, port) => {
  it('answers HEAD with the object length and no body, and the connection stays in step', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const exchange = (method: string, target: string): Promise<{ status: number; length: string | undefined; body: Buffer }> =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: port(), method, path: target, headers: SIGNED, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const head = await exchange('HEAD', '/big/big-object');
      expect([head.status, head.length, head.body.length]).toEqual([200, String(BIG_BYTES), 0]);
      const missing = await exchange('HEAD', '/big/missing');
      expect([missing.status, missing.body.length]).toEqual([404, 0]);
      // The next response on the same connection is intact: no body bytes were left behind.
      const get = await exchange('GET', '/paging/a0-top-2');
      expect([get.status, get.length, get.body.toString()]).toEqual([200, '8', 'a0-top-2']);
    } finally {
      agent.destroy();
    }
  });

  it('passes query strings, HEAD with Range, and percent-encoded keys through unchanged', async () => {
    const head = await raw(port(), 'HEAD', '/big/big-object', { ...SIGNED, range: 'bytes=10-19' });
    expect([head.status, head.headers['content-length'], head.headers['content-range']]).toEqual([206, '10', `bytes 10-19/${BIG_BYTES}`]);
    const spaced = await raw(port(), 'GET', `/paging/${encodeURIComponent('x y')}/0/obj-0?x-id=GetObject`);
    expect([spaced.status, spaced.body.toString()]).toEqual([200, 'x y/0/obj-0']);
    const emoji = await raw(port(), 'GET', `/paging?list-type=2&prefix=${encodeURIComponent('😀/1/')}`);
    expect(emoji.body.toString().match(/<Key>[^<]*<\/Key>/g)).toEqual(model(PAGING_KEYS, '😀/1/').map((e) => `<Key>${entryName(e)}</Key>`));
  });

  it('sends unsigned requests to the JSON services, as before', async () => {
    const res = await raw(port(), 'GET', '/paging', {});
    expect(res.status).toBe(403);
    expect(res.body.toString()).toContain('<AccessDeniedException>');
    expect(res.headers['x-amzn-requestid']).toBeDefined();
    expect(res.headers['x-amz-request-id']).toBeUndefined();
  });

  it('stays up on bad input and never serves a byte outside the directory', async () => {
    const cases: Array<[string, string, Record<string, string>, number]> = [
      ['GET', '/big/big-object', { range: 'bytes=zz' }, 200],
      ['GET', '/paging?list-type=2&max-keys=lots', {}, 400],
      ['GET', '/paging?list-type=2&continuation-token=%ff', {}, 400],
      ['GET', '/../secret', {}, 400],
      ['GET', '/%2e%2e/secret', {}, 400],
      ['GET', '/paging/../../secret', {}, 404],
      ['GET', '/paging/..%2f..%2fsecret', {}, 404],
      ['GET', '/paging/a0-top-1%00', {}, 404],
      ['GET', '/paging/%zz', {}, 400],
      ['DELETE', '/paging', {}, 405],
      ['GET', `/paging/${'k'.repeat(5000)}`, {}, 404],
      // A response-* override with CR LF would start another header (header injection): refused.
      ['GET', '/paging/a0-top-1?response-content-type=text/plain%0D%0ASet-Cookie:%20evil=1', {}, 400],
    ];
    for (const [method, target, headers, status] of cases) {
      const res = await raw(port(), method, target, { ...SIGNED, ...headers });
      expect(res.status, `${method} ${target}`).toBe(status);
      expect(res.body.toString()).not.toContain('outside the S3 directory');
      expect(JSON.stringify(res.headers)).not.toContain('evil');
    }
    const ok = await raw(port(), 'GET', '/paging/a0-top-1');
    expect(ok.body.toString()).toBe('a0-top-1');
    expect(server.alive()).toBe(true);
  });

  it('holds a paused reader to the socket buffers (backpressure) and resumes byte for byte', async () => {
    const rssBytes = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]) * 1024;
    const before = rssBytes();
    let duringPause = 0;
    const download = (): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: port(), path: '/big/big-object', headers: SIGNED, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.once('data', () => {
            res.pause();
            setTimeout(() => {
              duringPause = Math.max(duringPause, rssBytes());
              res.resume();
            }, 700);
          });
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    // Two at once: 40 MiB if the server read the object into memory instead of streaming it.
    const bodies = await Promise.all([download(), download()]);
    for (const body of bodies) expect(sha256(body)).toBe(sha256(BIG));
    expect(duringPause - before).toBeLessThan(20 * 1024 * 1024);
  });

  it('closes the file when a client leaves mid-download', async () => {
    const fds = (): number => readdirSync(`/proc/${server.child.pid}/fd`).length;
    await raw(port(), 'GET', '/paging/a0-top-1'); // warm up whatever the first request opens
    const before = fds();
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: port(), path: '/big/big-object', headers: SIGNED, agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => {});
        req.once('close', () => resolve());
        req.end();
        setTimeout(() => reject(new Error('no data')), 10_000).unref();
      });
    }
    // The server sees each close and frees the file (allow it the time to notice).
    for (let i = 0; i < 50 && fds() > before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(fds()).toBeLessThanOrEqual(before);
    expect(server.alive()).toBe(true);
  });
});

describe('HTTP/2 (h2c) on the node endpoint', () => {
  it('serves HEAD without a body and a ranged GET', async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on('error', () => {});
    const exchange = (headers: http2.OutgoingHttpHeaders): Promise<{ headers: http2.IncomingHttpHeaders; body: Buffer }> =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ...SIGNED, ...headers });
        const chunks: Buffer[] = [];
        let got: http2.IncomingHttpHeaders = {};
        stream.on('response', (h) => (got = h));
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve({ headers: got, body: Buffer.concat(chunks) }));
        stream.on('error', reject);
        stream.end();
      });
    try {
      const head = await exchange({ ':method': 'HEAD', ':path': '/big/big-object' });
      expect([head.headers[':status'], head.headers['content-length'], head.body.length]).toEqual([200, String(BIG_BYTES), 0]);
      const part = await exchange({ ':method': 'GET', ':path': '/big/big-object?x-id=GetObject', range: 'bytes=1048576-3145727' });
      expect([part.headers[':status'], part.headers['content-range']]).toEqual([206, `bytes 1048576-3145727/${BIG_BYTES}`]);
      expect(part.body.equals(BIG.subarray(1048576, 3145728))).toBe(true);
    } finally {
      session.close();
    }
  });
});

// With no CLI at all, only the skipped `needs AWS CLI v2` test is left.
describe.each(available)('$version', ({ command: bin }) => {
  const aws = async (port: number, ...args: string[]): Promise<string> => {
    const { stdout } = await run(bin, [...args, '--endpoint-url', `http://127.0.0.1:${port}`], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  };
  /** `aws s3 ls` lines: '2026-12-01 09:28:18       1234 key' and '                           PRE prefix/'. */
  const parse = (stdout: string): Entry[] =>
    stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const pre = /^\s+PRE (.*)$/.exec(l);
        if (pre !== null) return { prefix: pre[1]! };
        const obj = /^\S+ \S+\s+\d+ (.*)$/.exec(l);
        if (obj === null) throw new Error(`unexpected ls line: ${l}`);
        return { key: obj[1]! };
      });

  it.each(endpoints)('ls lists buckets, every key (--recursive) and one level of a prefix over %s', async (_name, port) => {
    const buckets = (await aws(port(), 's3', 'ls')).trim().split('\n').map((l) => l.split(' ').at(-1));
    expect(buckets).toEqual(['big', 'delivery', 'empty-bucket', 'paging']);
    const all = parse(await aws(port(), 's3', 'ls', 's3://paging/', '--recursive'));
    expect(all).toEqual(PAGING_KEYS.map((key) => ({ key })));
    // One level under a/: the CLI shows names relative to the prefix.
    const level = parse(await aws(port(), 's3', 'ls', 's3://paging/a/'));
    const expected = model(PAGING_KEYS, 'a/', '/').map((e) => ('key' in e ? { key: e.key.slice(2) } : { prefix: e.prefix.slice(2) }));
    expect(level.sort((x, y) => byBytes(entryName(x), entryName(y)))).toEqual(expected);
  });

  it.each(endpoints)('cp fetches the 20 MiB object (ranged parts above 8 MiB) byte for byte over %s', async (_name, port) => {
    const file = path.join(root, `download-${Math.random().toString(36).slice(2)}`);
    await aws(port(), 's3', 'cp', 's3://big/big-object', file, '--only-show-errors');
    expect(sha256(readFileSync(file))).toBe(sha256(BIG));
    rmSync(file);
  });
});

it('logged no internal failure', () => {
  expect(server.stderr()).not.toMatch(/internal failure|at .*\.js:\d+/);
});
