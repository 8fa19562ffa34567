// The S3 service behind the protocol layer, without a transport: routing by the SigV4 credential
// scope, S3's error documents, and paths that must never leave the directory.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AwsHttpRequest, AwsHttpResponse } from '../../../src/aws/http.js';
import { credentialScope, handleAwsRequest } from '../../../src/aws/protocol.js';
import { S3Service } from '../../../src/s3/service.js';
import { SIGNED, TestService } from '../server/helpers.js';

const S3_AUTH = 'AWS4-HMAC-SHA256 Credential=AKID/20261201/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
const SECRET = 'outside the directory';

let root: string;
let s3Dir: string;
let s3: S3Service;
const json = new TestService();

function request(method: string, target: string, headers: Record<string, string> = {}): AwsHttpRequest {
  const q = target.indexOf('?');
  return {
    method,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? '' : target.slice(q + 1),
    headers: { authorization: S3_AUTH, 'x-amz-date': '20261201T000000Z', ...headers },
    body: Buffer.alloc(0),
  };
}

const send = (method: string, target: string, headers?: Record<string, string>): Promise<AwsHttpResponse> =>
  handleAwsRequest(request(method, target, headers), [json], [s3]);

function expectError(res: AwsHttpResponse, status: number, code: string, message: string, details = ''): void {
  expect(res.status).toBe(status);
  expect(res.headers['Content-Type']).toBe('application/xml');
  const requestId = res.headers['x-amz-request-id'];
  expect(requestId).toMatch(/^[0-9A-F]{16}$/);
  expect(String(res.body)).toBe(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${details}` +
      `<RequestId>${requestId}</RequestId><HostId>${res.headers['x-amz-id-2']}</HostId></Error>`,
  );
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'riffle-s3-service-'));
  s3Dir = path.join(root, 's3');
  mkdirSync(path.join(s3Dir, 'logs', 'a'), { recursive: true });
  writeFileSync(path.join(s3Dir, 'logs', 'a', 'one.gz'), 'gzip bytes');
  writeFileSync(path.join(s3Dir, 'logs', '.riffle-tmp-x'), 'being written');
  writeFileSync(path.join(root, 'secret'), SECRET);
  mkdirSync(path.join(root, 'elsewhere'));
  writeFileSync(path.join(root, 'elsewhere', 'file'), SECRET);
  symlinkSync(path.join(root, 'secret'), path.join(s3Dir, 'logs', 'a', 'link'));
  symlinkSync(path.join(root, 'elsewhere'), path.join(s3Dir, 'logs', 'dir-link'));
  symlinkSync(path.join(root, 'elsewhere'), path.join(s3Dir, 'linked-bucket'));
  // Metadata beside the objects (Firehose's directory sink): used, unless it is not what the sink writes.
  mkdirSync(path.join(s3Dir, 'logs', 'a', '.riffle-meta'));
  writeFileSync(path.join(s3Dir, 'logs', 'a', '.riffle-meta', 'one.gz'), '{"contentType":"application/x-ndjson","contentEncoding":"gzip"}');
  writeFileSync(path.join(s3Dir, 'logs', 'a', 'bad-meta.snappy'), 'x');
  writeFileSync(path.join(s3Dir, 'logs', 'a', '.riffle-meta', 'bad-meta.snappy'), '{"contentType":"text/plain\r\nX-Injected: 1"}');
  mkdirSync(path.join(s3Dir, 'logs', 'b'));
  writeFileSync(path.join(s3Dir, 'logs', 'b', 'linked-meta.gz'), 'x');
  writeFileSync(path.join(root, 'elsewhere', 'linked-meta.gz'), '{"contentType":"from/outside"}');
  symlinkSync(path.join(root, 'elsewhere'), path.join(s3Dir, 'logs', 'b', '.riffle-meta'));
  s3 = new S3Service(s3Dir);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('credentialScope', () => {
  it('reads the scope from the Authorization header or a presigned query', () => {
    expect(credentialScope(request('GET', '/'))).toEqual({ region: 'eu-west-1', service: 's3' });
    const presigned = request('GET', '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x');
    delete presigned.headers.authorization;
    expect(credentialScope(presigned)).toEqual({ region: 'us-east-1', service: 's3' });
    // SigV4a scopes have no region.
    expect(credentialScope(request('GET', '/', { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=AKID/20261201/s3/aws4_request, SignedHeaders=host, Signature=x' }))).toEqual({
      region: '',
      service: 's3',
    });
    expect(credentialScope(request('POST', '/', SIGNED))).toEqual({ region: 'us-east-1', service: 'kinesis' });
    expect(credentialScope(request('GET', '/', { authorization: 'AWS AKID:signature' }))).toBeUndefined();
    const unsigned = request('GET', '/x');
    delete unsigned.headers.authorization;
    expect(credentialScope(unsigned)).toBeUndefined();
  });
});

describe('routing', () => {
  it('gives requests signed for s3 to the S3 service, every other one to the JSON services', async () => {
    const listed = await send('GET', '/');
    expect(listed.status).toBe(200);
    expect(String(listed.body)).toContain('<Name>logs</Name>');

    // Unsigned: the JSON services' answer to a GET, as before there was an S3 service.
    const unsigned = request('GET', '/logs');
    delete unsigned.headers.authorization;
    const before = await handleAwsRequest(unsigned, [json]);
    const after = await handleAwsRequest(unsigned, [json], [s3]);
    expect([after.status, after.body]).toEqual([before.status, before.body]);
    expect(after.status).toBe(403);
    expect(String(after.body)).toContain('<AccessDeniedException>');

    // Signed for Kinesis: the Kinesis service, whatever the path.
    const kinesis = await handleAwsRequest(
      { method: 'POST', path: '/logs', query: '', headers: { ...SIGNED, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.Echo' }, body: Buffer.from('{"A":1}') },
      [json],
      [s3],
    );
    expect(kinesis.status).toBe(200);
    expect(JSON.parse(String(kinesis.body))).toMatchObject({ A: 1 });
  });

  it('answers a bug in a REST service with a bare 500 and logs it', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken = { signingName: 's3', handle: () => Promise.reject(new Error('bug')) };
    const res = await handleAwsRequest(request('GET', '/'), [json], [broken]);
    expect([res.status, res.body]).toEqual([500, '']);
    expect(spy).toHaveBeenCalledOnce();
    spy.mockRestore();
  });
});

describe('S3 errors', () => {
  it('NoSuchBucket and NoSuchKey name what is missing', async () => {
    expectError(await send('GET', '/nobucket?list-type=2'), 404, 'NoSuchBucket', 'The specified bucket does not exist', '<BucketName>nobucket</BucketName>');
    expectError(await send('GET', '/nobucket/key'), 404, 'NoSuchBucket', 'The specified bucket does not exist', '<BucketName>nobucket</BucketName>');
    expectError(await send('GET', '/logs/a/two.gz'), 404, 'NoSuchKey', 'The specified key does not exist.', '<Key>a/two.gz</Key>');
  });

  it('HEAD errors are the status alone', async () => {
    const res = await send('HEAD', '/logs/missing');
    expect([res.status, res.body, res.headers['Content-Type']]).toEqual([404, '', undefined]);
    expect((await send('HEAD', '/nobucket')).status).toBe(404);
  });

  it('refuses writes: the API is read-only', async () => {
    for (const [method, target, type] of [
      ['PUT', '/logs/a/new', 'OBJECT'],
      ['DELETE', '/logs/a/one.gz', 'OBJECT'],
      ['POST', '/logs?delete', 'BUCKET'],
      ['PUT', '/newbucket', 'BUCKET'],
    ] as const) {
      const res = await send(method, target);
      expectError(
        res,
        405,
        'MethodNotAllowed',
        "The specified method is not allowed against this resource. Riffle&apos;s S3 API is read-only: objects are written by Firehose delivery, and read with ListBuckets, ListObjects(V2), HeadBucket, HeadObject and GetObject.",
        `<Method>${method}</Method><ResourceType>${type}</ResourceType>`,
      );
    }
    // What PUT would have written is not there.
    expect((await send('GET', '/logs/a/new')).status).toBe(404);
  });

  it('checks list arguments with S3 messages', async () => {
    expectError(await send('GET', '/logs?list-type=2&max-keys=abc'), 400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range', '<ArgumentName>max-keys</ArgumentName><ArgumentValue>abc</ArgumentValue>');
    expectError(await send('GET', '/logs?max-keys=-2'), 400, 'InvalidArgument', 'Argument maxKeys must be an integer between 0 and 2147483647', '<ArgumentName>maxKeys</ArgumentName><ArgumentValue>-2</ArgumentValue>');
    expectError(await send('GET', '/logs?list-type=2&encoding-type=xml'), 400, 'InvalidArgument', 'Invalid Encoding Method specified in Request', '<ArgumentName>encoding-type</ArgumentName><ArgumentValue>xml</ArgumentValue>');
    for (const token of ['', 'bm9wZQ==', '!!!', 'eA']) {
      expectError(
        await send('GET', `/logs?list-type=2&continuation-token=${encodeURIComponent(token)}`),
        400,
        'InvalidArgument',
        'The continuation token provided is incorrect',
        `<ArgumentName>continuation-token</ArgumentName><ArgumentValue>${token}</ArgumentValue>`,
      );
    }
  });

  it('says what it does not implement', async () => {
    expectError(await send('GET', '/logs?acl'), 501, 'NotImplemented', "A header you provided implies functionality that is not implemented. Riffle&apos;s S3 API does not serve ?acl.", '<Header>acl</Header>');
    expect((await send('GET', '/logs/a/one.gz?tagging')).status).toBe(501);
  });

  it('a range past the end is InvalidRange with the object size', async () => {
    const res = await send('GET', '/logs/a/one.gz', { range: 'bytes=10-' });
    expectError(res, 416, 'InvalidRange', 'The requested range is not satisfiable', '<RangeRequested>bytes=10-</RangeRequested><ActualObjectSize>10</ActualObjectSize>');
    expect(res.headers['Content-Range']).toBe('bytes */10');
  });

  it('conditions: 412 PreconditionFailed and 304', async () => {
    expectError(await send('GET', '/logs/a/one.gz', { 'if-match': '"nope"' }), 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', '<Condition>If-Match</Condition>');
    const head = await send('HEAD', '/logs/a/one.gz');
    const res = await send('GET', '/logs/a/one.gz', { 'if-none-match': head.headers.ETag! });
    expect([res.status, res.body, res.stream, res.headers.ETag]).toEqual([304, '', undefined, head.headers.ETag]);
  });

  it('a path that does not decode is InvalidURI', async () => {
    expectError(await send('GET', '/logs/%zz'), 400, 'InvalidURI', "Couldn&apos;t parse the specified URI.", '<URI>/logs/%zz</URI>');
  });
});

describe('object metadata', () => {
  it('takes Content-Type and Content-Encoding from the stored metadata', async () => {
    const res = await send('HEAD', '/logs/a/one.gz');
    expect([res.headers['Content-Type'], res.headers['Content-Encoding'], res.headLength]).toEqual(['application/x-ndjson', 'gzip', 10]);
  });

  it('falls back to the extension when the metadata is not what the writer writes, or reached through a link', async () => {
    const bad = await send('HEAD', '/logs/a/bad-meta.snappy');
    expect([bad.headers['Content-Type'], bad.headers['Content-Encoding']]).toEqual(['application/octet-stream', 'snappy-java']);
    const linked = await send('HEAD', '/logs/b/linked-meta.gz');
    expect([linked.headers['Content-Type'], linked.headers['Content-Encoding']]).toEqual(['application/octet-stream', 'gzip']);
  });
});

describe('never outside the directory', () => {
  const escapes = [
    '/..',
    '/../secret',
    '/%2e%2e/secret',
    '/..%2fsecret',
    '/logs/../../secret',
    '/logs/a/..%2f..%2f..%2fsecret',
    '/logs/%2e%2e/%2e%2e/secret',
    '/logs/a/link',
    '/logs/dir-link/file',
    '/linked-bucket/file',
    '/logs/a%00/one.gz',
    '/logs/a/one.gz%00',
    '/logs//a/one.gz',
    '/logs/./a/one.gz',
    '/logs/.riffle-tmp-x',
    '/logs%2fa/one.gz',
    '/LOGS/a/one.gz',
  ];

  it.each(escapes)('GET and HEAD %s are errors, never the bytes outside', async (target) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await send(method, target);
      expect(res.status, `${method} ${target}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.stream).toBeUndefined();
      expect(String(res.body)).not.toContain(SECRET);
    }
  });

  it('lists neither links, nor objects being written, nor metadata', async () => {
    const res = await send('GET', '/logs?list-type=2');
    expect(String(res.body).match(/<Key>[^<]*<\/Key>/g)).toEqual(['<Key>a/bad-meta.snappy</Key>', '<Key>a/one.gz</Key>', '<Key>b/linked-meta.gz</Key>']);
    expect((await send('GET', '/logs/a/.riffle-meta/one.gz')).status).toBe(404);
    const buckets = await send('GET', '/');
    expect(String(buckets.body).match(/<Name>[^<]*<\/Name>/g)).toEqual(['<Name>logs</Name>']);
  });

  it('a directory that does not exist yet has no buckets', async () => {
    const empty = new S3Service(path.join(root, 'not-yet'));
    const res = await handleAwsRequest(request('GET', '/'), [json], [empty]);
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain('<Buckets></Buckets>');
    expect((await handleAwsRequest(request('GET', '/logs?list-type=2'), [json], [empty])).status).toBe(404);
  });
});
