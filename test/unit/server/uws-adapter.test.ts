// The uWebSockets.js endpoint with real clients: node:http, raw sockets, AWS SDK v3 over HTTP/1.1.
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Decoder } from 'cbor-x';
import { startUwsEndpoint } from '../../../src/server/uws-adapter.js';
import type { RunningEndpoint } from '../../../src/server/endpoint-options.js';
import { AMZ_CBOR, AMZ_JSON, CREATED_AT, SECRET, SIGNED, TestService, expectEchoOk, h1Request, jsonRequest, rawExchange } from './helpers.js';

const MAX_BODY_BYTES = 64 * 1024;

describe('startUwsEndpoint', () => {
  const service = new TestService();
  let endpoint: RunningEndpoint;
  beforeAll(async () => {
    endpoint = await startUwsEndpoint({ host: '127.0.0.1', port: 0, services: [service], maxBodyBytes: MAX_BODY_BYTES });
  });
  afterAll(() => endpoint.close());
  afterEach(() => vi.restoreAllMocks());

  const echoOk = (): Promise<void> => expectEchoOk(endpoint.port);

  it('binds an ephemeral port and serves JSON on any path with keep-alive', async () => {
    expect(endpoint.port).toBeGreaterThan(0);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const res = await h1Request(endpoint.port, { ...jsonRequest('Echo', { A: 1 }), path: '/any/path?x=1', agent });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(AMZ_JSON);
      expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.toString()).toBe('{"A":1,"At":1700000000.123,"Blob":"aGVsbG8="}');
      const sockets = new Set<net.Socket>();
      agent.on('free', (s: net.Socket) => sockets.add(s));
      await h1Request(endpoint.port, { ...jsonRequest('Echo'), agent });
      await h1Request(endpoint.port, { ...jsonRequest('Echo'), agent });
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('serves CBOR with byte strings and tag-1 millisecond timestamps', async () => {
    const res = await h1Request(endpoint.port, {
      headers: { 'content-type': AMZ_CBOR, 'x-amz-target': 'Kinesis_20131202.Echo', ...SIGNED },
      body: Buffer.from([0xa0]), // {}
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(AMZ_CBOR);
    const ms = Buffer.alloc(8);
    ms.writeBigUInt64BE(BigInt(CREATED_AT.getTime()));
    expect(res.body.includes(Buffer.concat([Buffer.from([0x62, 0x41, 0x74, 0xc1, 0x1b]), ms]))).toBe(true);
    const decoded = new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true } as object).decode(res.body);
    expect(decoded.Blob).toEqual(Buffer.from('hello'));
  });

  it('returns AWS errors with status, reason phrase and headers, and keeps answering', async () => {
    const denied = await rawExchange(endpoint.port, ['GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n'], 0, 2_000);
    expect(denied.toString()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(denied.toString()).toMatch(/\r\nx-amzn-RequestId: [0-9a-f-]{36}\r\n/);
    await echoOk();

    const fail = await h1Request(endpoint.port, jsonRequest('Fail'));
    expect([fail.status, fail.headers['x-amzn-errortype']]).toEqual([400, 'ResourceNotFoundException']);
    expect(fail.body.toString()).toBe('{"__type":"ResourceNotFoundException","message":"Stream s1 under account 000000000000 not found."}');

    const empty = await h1Request(endpoint.port, { headers: { 'content-type': AMZ_JSON, 'x-amz-target': 'Kinesis_20131202.Echo' } });
    expect([empty.status, empty.body.toString()]).toEqual([400, '{"__type":"SerializationException"}']);

    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const crash = await h1Request(endpoint.port, jsonRequest('Crash'));
    expect(crash.status).toBe(500);
    expect(crash.headers['x-amzn-errortype']).toBe('InternalFailure');
    expect(crash.body.toString()).not.toContain(SECRET);
    expect(log).toHaveBeenCalledTimes(1);
    await echoOk();
  });

  it('answers 413 to oversized bodies and keeps serving', async () => {
    for (const chunked of [false, true]) {
      const res = await h1Request(endpoint.port, { ...jsonRequest('Echo'), body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20), chunked }).catch(
        (e: NodeJS.ErrnoException) => e,
      );
      // uWS closes the connection after the 413; the response must still arrive first.
      expect(res).toMatchObject({ status: 413, headers: { 'x-amzn-requestid': expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    }
    const atLimit = Buffer.alloc(MAX_BODY_BYTES, 0x20);
    atLimit.write('{}');
    expect((await h1Request(endpoint.port, { ...jsonRequest('Echo'), body: atLimit })).status).toBe(200);
    expect((await h1Request(endpoint.port, { ...jsonRequest('Echo'), body: atLimit, chunked: true })).status).toBe(200);
    await echoOk();
  });

  it('survives clients that abort mid-body or close at once', async () => {
    const head = `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${AMZ_JSON}\r\nx-amz-target: Kinesis_20131202.Echo\r\ncontent-length: 100\r\n\r\n{"A":`;
    await rawExchange(endpoint.port, [head], 0, 50);
    await rawExchange(endpoint.port, [], 0, 20);
    await echoOk();
  });
});

describe('startUwsEndpoint lifecycle', () => {
  it('close() drops open connections and frees the port; a WebSocket route can be added', async () => {
    const opened: string[] = [];
    const endpoint = await startUwsEndpoint({
      host: '127.0.0.1',
      port: 0,
      services: [new TestService()],
      ws: [
        {
          path: '/ws',
          maxMessageBytes: 1024,
          open: () => {
            opened.push('ws');
            return { message: () => undefined, drain: () => undefined, closed: () => undefined };
          },
        },
      ],
    });
    const agent = new http.Agent({ keepAlive: true });
    expect((await h1Request(endpoint.port, { ...jsonRequest('Echo'), agent })).status).toBe(200);
    const socket = [...Object.values(agent.freeSockets)].flat()[0];
    expect(socket).toBeDefined();
    const closedSocket = new Promise((r) => socket!.once('close', r));

    const upgrade = await rawExchange(
      endpoint.port,
      ['GET /ws HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n'],
      0,
      300,
    );
    expect(upgrade.toString()).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(opened).toEqual(['ws']);

    await endpoint.close();
    await closedSocket; // the idle keep-alive socket was closed by the server
    agent.destroy();
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(endpoint.port, '127.0.0.1');
      s.on('connect', () => resolve('connected'));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
