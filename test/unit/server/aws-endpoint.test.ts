// The node:http + h2c endpoint with real clients: node:http, node:http2, raw sockets, AWS SDK v3.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAwsEndpoint } from '../../../src/server/aws-endpoint.js';
import type { RunningEndpoint } from '../../../src/server/endpoint-options.js';
import { AMZ_JSON, SECRET, TestService, expectEchoOk, h1Request, h2Request, jsonRequest, rawExchange } from './helpers.js';

const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const EMPTY_SETTINGS_FRAME = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const MAX_BODY_BYTES = 64 * 1024;

describe('startAwsEndpoint', () => {
  const service = new TestService();
  let endpoint: RunningEndpoint;
  beforeAll(async () => {
    endpoint = await startAwsEndpoint({ host: '127.0.0.1', port: 0, services: [service], maxBodyBytes: MAX_BODY_BYTES });
  });
  afterAll(() => endpoint.close());
  afterEach(() => vi.restoreAllMocks());

  const echoOk = (): Promise<void> => expectEchoOk(endpoint.port);

  it('binds an ephemeral port and serves HTTP/1.1 with keep-alive', async () => {
    expect(endpoint.port).toBeGreaterThan(0);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await h1Request(endpoint.port, { ...jsonRequest('Echo', { A: 1 }), agent });
      expect(first.status).toBe(200);
      expect(first.headers['content-type']).toBe(AMZ_JSON);
      expect(first.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(first.body.toString()).toBe('{"A":1,"At":1700000000.123,"Blob":"aGVsbG8="}');
      const sockets = new Set<net.Socket>();
      agent.on('free', (s: net.Socket) => sockets.add(s));
      await h1Request(endpoint.port, { ...jsonRequest('Echo'), agent });
      await h1Request(endpoint.port, { ...jsonRequest('Echo'), agent });
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('returns AWS errors over HTTP/1.1 and keeps answering', async () => {
    const denied = await h1Request(endpoint.port, { method: 'GET' });
    expect(denied.status).toBe(403);
    expect(denied.headers['x-amzn-requestid']).toBeDefined();
    await echoOk();

    const fail = await h1Request(endpoint.port, jsonRequest('Fail'));
    expect(fail.status).toBe(400);
    expect(fail.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(JSON.parse(fail.body.toString())).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'Stream s1 under account 000000000000 not found.',
    });
    await echoOk();

    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const crash = await h1Request(endpoint.port, jsonRequest('Crash'));
    expect(crash.status).toBe(500);
    expect(crash.headers['x-amzn-errortype']).toBe('InternalFailure');
    expect(crash.body.toString()).not.toContain(SECRET);
    expect(crash.body.toString()).not.toContain('.ts:');
    expect(log).toHaveBeenCalledTimes(1);
    await echoOk();
  });

  it('answers 413 to an oversized HTTP/1.1 body and keeps serving', async () => {
    const big = jsonRequest('Echo');
    const res = await h1Request(endpoint.port, { ...big, body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20) });
    expect(res.status).toBe(413);
    expect(res.body.length).toBe(0);
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    // A body at the limit is accepted (whitespace around {} is valid JSON).
    const atLimit = Buffer.alloc(MAX_BODY_BYTES, 0x20);
    atLimit.write('{}');
    expect((await h1Request(endpoint.port, { ...big, body: atLimit })).status).toBe(200);
    // Without Content-Length the limit trips while streaming.
    const chunked = await h1Request(endpoint.port, { ...big, body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20), chunked: true });
    expect(chunked.status).toBe(413);
    expect((await h1Request(endpoint.port, { ...big, body: atLimit, chunked: true })).status).toBe(200);
    await echoOk();
  });

  it('serves h2c with prior knowledge, including errors and 413, on one session', async () => {
    const session = http2.connect(`http://127.0.0.1:${endpoint.port}`);
    session.on('error', () => {});
    try {
      const ok = await h2Request(session, jsonRequest('Echo', { A: 2 }));
      expect(ok.status).toBe(200);
      expect(ok.headers['content-type']).toBe(AMZ_JSON);
      expect(ok.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(ok.body.toString()).toBe('{"A":2,"At":1700000000.123,"Blob":"aGVsbG8="}');

      const fail = await h2Request(session, jsonRequest('Fail'));
      expect([fail.status, fail.headers['x-amzn-errortype']]).toEqual([400, 'ResourceNotFoundException']);

      const big = await h2Request(session, { ...jsonRequest('Echo'), body: Buffer.alloc(MAX_BODY_BYTES * 2, 0x20) }).catch(
        (err: Error) => err,
      );
      // The 413 arrives complete; the RST_STREAM(NO_ERROR) that follows may surface as an error
      // on the client stream only if it lands first, which Node's flush ordering prevents.
      expect(big).not.toBeInstanceOf(Error);
      expect((big as { status: number }).status).toBe(413);
      expect((big as { headers: http2.IncomingHttpHeaders }).headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);

      const again = await h2Request(session, jsonRequest('Echo', { A: 3 }));
      expect(again.status).toBe(200);
    } finally {
      session.destroy();
    }
  });

  it('answers many concurrent h2 streams on one session, each with its own body', async () => {
    const session = http2.connect(`http://127.0.0.1:${endpoint.port}`);
    session.on('error', () => {});
    try {
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => h2Request(session, jsonRequest('Echo', { I: i }))));
      expect(replies.map((r) => JSON.parse(r.body.toString()).I)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    } finally {
      session.destroy();
    }
  });

  it('survives a client resetting an h2 stream mid-body', async () => {
    const session = http2.connect(`http://127.0.0.1:${endpoint.port}`);
    session.on('error', () => {});
    const stream = session.request({ ':method': 'POST', ':path': '/', ...jsonRequest('Echo').headers });
    stream.on('error', () => {});
    stream.write('{"A":');
    await new Promise((r) => setTimeout(r, 20));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    const next = await h2Request(session, jsonRequest('Echo', { A: 4 }));
    expect(next.status).toBe(200);
    session.destroy();
  });

  it('routes a preface split across two writes to HTTP/2', async () => {
    const reply = await rawExchange(endpoint.port, [H2_PREFACE.slice(0, 7), Buffer.concat([Buffer.from(H2_PREFACE.slice(7)), EMPTY_SETTINGS_FRAME])], 50, 300);
    // The server sends its SETTINGS whatever it read; it ACKs ours only after a valid preface
    // (a bad one gets GOAWAY, type 0x7). Frames: 3-octet length, type, flags, 4-octet stream id.
    const frames: Array<[type: number, flags: number]> = [];
    for (let at = 0; at + 9 <= reply.length; at += 9 + reply.readUIntBE(at, 3)) frames.push([reply[at + 3]!, reply[at + 4]!]);
    expect(frames).toContainEqual([0x4, 0x0]);
    expect(frames).toContainEqual([0x4, 0x1]);
    expect(frames.filter(([type]) => type === 0x7)).toEqual([]);
  });

  it('routes an HTTP/1.1 request whose first packet matches the preface so far', async () => {
    const req = jsonRequest('Echo', { A: 5 });
    const body = String(req.body);
    const head = Object.entries({ ...req.headers, host: '127.0.0.1', 'content-length': String(body.length) })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const reply = await rawExchange(endpoint.port, ['P', `OST / HTTP/1.1\r\n${head}connection: close\r\n\r\n${body}`], 50, 2_000);
    expect(reply.toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reply.toString()).toContain('{"A":5,"At":1700000000.123,"Blob":"aGVsbG8="}');
  });

  it('shrugs off connections that close at once or mid-preface', async () => {
    await rawExchange(endpoint.port, [], 0, 50);
    await rawExchange(endpoint.port, ['PRI'], 0, 50);
    const garbage = await rawExchange(endpoint.port, ['\x16\x03\x01garbage\r\n\r\n'], 0, 1_000);
    expect(garbage.toString()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    await echoOk();
  });
});

describe('startAwsEndpoint lifecycle and limits', () => {
  it('uses a 16 MiB default body limit (a 10 MiB PutRecords of large records in base64 fits)', async () => {
    const endpoint = await startAwsEndpoint({ host: '127.0.0.1', port: 0, services: [new TestService()] });
    try {
      const over = await h1Request(endpoint.port, { ...jsonRequest('Echo'), body: Buffer.alloc(16 * 1024 * 1024 + 1, 0x20) });
      expect(over.status).toBe(413);
      const under = Buffer.alloc(16 * 1024 * 1024, 0x20);
      under.write('{}');
      expect((await h1Request(endpoint.port, { ...jsonRequest('Echo'), body: under })).status).toBe(200);
    } finally {
      await endpoint.close();
    }
  });

  it('close() ends open HTTP/1.1 and HTTP/2 connections promptly and frees the port', async () => {
    const endpoint = await startAwsEndpoint({ host: '127.0.0.1', port: 0, services: [new TestService()] });
    const session = http2.connect(`http://127.0.0.1:${endpoint.port}`);
    session.on('error', () => {});
    expect((await h2Request(session, jsonRequest('Echo'))).status).toBe(200);
    const agent = new http.Agent({ keepAlive: true });
    expect((await h1Request(endpoint.port, { ...jsonRequest('Echo'), agent })).status).toBe(200);
    const idle = net.connect(endpoint.port, '127.0.0.1'); // never says anything
    idle.on('error', () => {});
    await new Promise((r) => idle.once('connect', r));

    const sessionClosed = new Promise((r) => session.once('close', r));
    const started = Date.now();
    await endpoint.close();
    await sessionClosed;
    expect(Date.now() - started).toBeLessThan(1_000);
    agent.destroy();

    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(endpoint.port, '127.0.0.1');
      s.on('connect', () => resolve('connected'));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
