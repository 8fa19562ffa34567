import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffMs, buildRequest, judgeResponse, type EndpointResponse } from '../../../src/firehose/http/protocol.js';
import { EndpointPoster } from '../../../src/firehose/http/poster.js';

const SETTINGS = {
  sourceArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/web',
  accessKey: 'key-123',
  commonAttributes: [
    { AttributeName: 'env', AttributeValue: 'test' },
    { AttributeName: 'team', AttributeValue: 'data' },
  ],
  contentEncoding: 'NONE' as const,
};

describe('the HTTP endpoint request (AWS: HTTP Endpoint Delivery Request and Response Specifications)', () => {
  it('carries the headers and the JSON body the specification describes', async () => {
    const req = await buildRequest(SETTINGS, 'req-1', 1578090901599.7, [Buffer.from('hello'), Buffer.from('hello world'), new Uint8Array(0)]);
    expect(req.headers).toEqual({
      'Content-Type': 'application/json',
      'X-Amz-Firehose-Protocol-Version': '1.0',
      'X-Amz-Firehose-Request-Id': 'req-1',
      'X-Amz-Firehose-Source-Arn': 'arn:aws:firehose:us-east-1:000000000000:deliverystream/web',
      'X-Amz-Firehose-Access-Key': 'key-123',
      'X-Amz-Firehose-Common-Attributes': '{"commonAttributes":{"env":"test","team":"data"}}',
    });
    expect(JSON.parse(req.body.toString())).toEqual({ requestId: 'req-1', timestamp: 1578090901599, records: [{ data: 'aGVsbG8=' }, { data: 'aGVsbG8gd29ybGQ=' }, { data: '' }] });
    expect(req.plainBytes).toBe(req.body.length);
  });

  it('gzips the body with Content-Encoding: gzip for GZIP, and leaves out what is not configured', async () => {
    const req = await buildRequest({ sourceArn: SETTINGS.sourceArn, commonAttributes: [], contentEncoding: 'GZIP' }, 'r', 1, [Buffer.from('x'.repeat(5000))]);
    expect(req.headers['Content-Encoding']).toBe('gzip');
    expect(req.headers['X-Amz-Firehose-Access-Key']).toBeUndefined();
    expect(req.headers['X-Amz-Firehose-Common-Attributes']).toBeUndefined();
    const plain = gunzipSync(req.body);
    expect(plain.length).toBe(req.plainBytes);
    expect(req.body.length).toBeLessThan(req.plainBytes);
    expect(Buffer.from((JSON.parse(plain.toString()) as { records: Array<{ data: string }> }).records[0]!.data, 'base64').toString()).toBe('x'.repeat(5000));
  });

  it('takes 1 to 10,000 records, and sends common attributes as ASCII (a header carries no more)', async () => {
    await expect(buildRequest(SETTINGS, 'r', 1, [])).rejects.toThrow(RangeError);
    await expect(buildRequest(SETTINGS, 'r', 1, new Array(10_001).fill(Buffer.from('a')))).rejects.toThrow(RangeError);
    const req = await buildRequest({ ...SETTINGS, commonAttributes: [{ AttributeName: 'city', AttributeValue: 'Łódź 5€' }] }, 'r', 1, [Buffer.from('a')]);
    const header = req.headers['X-Amz-Firehose-Common-Attributes']!;
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(header)).toEqual({ commonAttributes: { city: 'Łódź 5€' } });
  });
});

describe('the answer, judged as Firehose judges it', () => {
  const ok = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': '1' }, status = 200): EndpointResponse => ({ status, headers, body: Buffer.from(JSON.stringify(body)) });
  it('delivers on a 200 JSON answer with the same requestId and a timestamp', () => {
    expect(judgeResponse('r1', ok({ requestId: 'r1', timestamp: 1 }))).toEqual({ kind: 'delivered' });
    expect(judgeResponse('r1', ok({ requestId: 'r1', timestamp: 1 }, { 'content-type': 'application/json; charset=utf-8', 'content-length': '1' }))).toEqual({ kind: 'delivered' });
  });
  it('retries anything else, and gives up at once on a 413', () => {
    const retried = [
      ok({ requestId: 'other', timestamp: 1 }),
      ok({ requestId: 'r1' }),
      ok({ requestId: 'r1', timestamp: '1' }),
      ok({ requestId: 'r1', timestamp: 1 }, { 'content-type': 'text/plain' }),
      ok({ requestId: 'r1', timestamp: 1 }, { 'content-type': 'application/json', 'content-length': '1', 'content-encoding': 'gzip' }),
      ok([1]),
      { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('not json') },
      { status: 200, headers: { 'content-type': 'application/json' }, body: null },
      ok({ requestId: 'r1', timestamp: 1 }, { 'content-type': 'application/json' }, 201),
      ok({ requestId: 'r1', timestamp: 1 }, { 'content-type': 'application/json' }, 301),
      ok({ requestId: 'r1', timestamp: 1, errorMessage: 'disk full' }, { 'content-type': 'application/json' }, 500),
    ];
    for (const r of retried) expect(judgeResponse('r1', r).kind, JSON.stringify(r)).toBe('retry');
    expect(judgeResponse('r1', retried.at(-1)!)).toEqual({ kind: 'retry', code: 'HttpEndpoint.DestinationException', reason: 'Received the following response from the endpoint destination. 500: {"requestId":"r1","timestamp":1,"errorMessage":"disk full"}' });
    expect(judgeResponse('r1', ok({ requestId: 'other', timestamp: 1 }))).toMatchObject({ code: 'HttpEndpoint.InvalidResponseFromDestination' });
    expect(judgeResponse('r1', { status: 200, headers: {}, body: null })).toMatchObject({ code: 'HttpEndpoint.ResponseTooLarge' });
    expect(judgeResponse('r1', ok({}, {}, 413)).kind).toBe('permanent');
  });
  it('backs off from 1 s, doubling, at most 120 s, within 15% jitter', () => {
    expect(backoffMs(1, () => 0)).toBe(850);
    expect(backoffMs(1, () => 0.999999)).toBe(1150);
    expect(backoffMs(3, () => 0.5)).toBe(4000);
    expect(backoffMs(8, () => 0.5)).toBe(120_000);
    expect(backoffMs(30, () => 0)).toBe(102_000);
  });
});

describe('EndpointPoster against a real HTTP receiver', () => {
  let server: http.Server;
  let url: string;
  const seen: Array<{ headers: http.IncomingHttpHeaders; body: Buffer }> = [];
  let mode: 'ok' | 'silent' | 'huge' | 'redirect' = 'ok';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
        if (mode === 'silent') return; // never answers
        if (mode === 'huge') return void res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.alloc(2 * 1024 * 1024, 32));
        if (mode === 'redirect') return void res.writeHead(301, { location: 'http://127.0.0.1:1/' }).end();
        const id = req.headers['x-amz-firehose-request-id'];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: id, timestamp: Date.now() }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest?token=a`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs to the URL as given, with the headers and body, and reads the answer', async () => {
    const poster = new EndpointPoster(url);
    const req = await buildRequest(SETTINGS, 'req-42', Date.now(), [Buffer.from('a'), Buffer.from('b')]);
    const res = await poster.post(req);
    expect(judgeResponse('req-42', res)).toEqual({ kind: 'delivered' });
    const got = seen.at(-1)!;
    expect(got.headers['x-amz-firehose-access-key']).toBe('key-123');
    expect(got.headers['x-amz-firehose-protocol-version']).toBe('1.0');
    expect(got.headers['content-length']).toBe(String(req.body.length));
    expect(got.body.equals(req.body)).toBe(true);
    poster.close();
  });

  it('fails an attempt that gets no answer in time, does not follow redirects, and does not read a body over 1 MiB', async () => {
    mode = 'silent';
    const slow = new EndpointPoster(url, 300);
    await expect(slow.post(await buildRequest(SETTINGS, 'r', 1, [Buffer.from('a')]))).rejects.toThrow(/no answer within/);
    slow.close();
    const poster = new EndpointPoster(url);
    mode = 'redirect';
    const redirected = await poster.post(await buildRequest(SETTINGS, 'r', 1, [Buffer.from('a')]));
    expect(redirected.status).toBe(301);
    expect(judgeResponse('r', redirected).kind).toBe('retry');
    mode = 'huge';
    const huge = await poster.post(await buildRequest(SETTINGS, 'r', 1, [Buffer.from('a')]));
    expect(huge.body).toBeNull();
    expect(judgeResponse('r', huge).kind).toBe('retry');
    poster.close();
    mode = 'ok';
  });
});
