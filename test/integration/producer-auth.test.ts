import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { Producer, ProducerError, type AwsCredentials } from 'riffle';
import { WsTransport } from 'riffle/internal';
import { startServer, uniqueName, type RunningServer } from './harness.js';

// The Producer against a server run with --auth sigv4: it signs PutRecords (Authorization
// header) and its WebSocket upgrades (presigned URL) with the keys it is given, fails at once
// with AWS's error when they are wrong, and signs every reconnect anew.
const KEY = { accessKeyId: 'AKIDPRODUCER', secretAccessKey: 'the-producer-secret' };
const TEMPORARY = { accessKeyId: 'ASIAPRODUCER', secretAccessKey: 'temporary-secret', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/token+=' };
const INVALID_SIGNATURE =
  'InvalidSignatureException: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details. (after 1 attempt)';

let server: RunningServer;
let dir: string;
let sdk: KinesisClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'riffle-producer-auth-'));
  writeFileSync(join(dir, 'credentials'), `${KEY.accessKeyId} ${KEY.secretAccessKey}\n${TEMPORARY.accessKeyId} ${TEMPORARY.secretAccessKey}\n`);
  server = await startServer(['--auth', 'sigv4', '--credentials', join(dir, 'credentials')]);
  sdk = new KinesisClient({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
});
afterAll(async () => {
  sdk.destroy();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function newStream(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await sdk.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  return name;
}

/** The stream's records as the SDK reads them (signed with the right key): "key=data" in order. */
async function readBack(stream: string): Promise<string[]> {
  const it = await sdk.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
  const got = await sdk.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
  return (got.Records ?? []).map((r) => `${r.PartitionKey}=${Buffer.from(r.Data as Uint8Array).toString()}`);
}

/** A TCP relay in front of a port that keeps every byte clients sent, to see what went on the wire. */
async function recordingRelay(port: number): Promise<{ port: number; sent: () => string; close: () => Promise<void> }> {
  let sent = '';
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => (client.destroy(), upstream.destroy()));
    }
    client.on('data', (chunk: Buffer) => (sent += chunk.toString('latin1')));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as { port: number }).port,
    sent: () => sent,
    close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), relay.close(() => resolve()))),
  };
}

const endpoints = {
  http: (port = server.port) => `http://127.0.0.1:${port}`,
  ws: (port = server.streamPort) => `ws://127.0.0.1:${port}`,
};

describe.each([
  ['PutRecords over HTTP', 'http'],
  ['binary WebSocket ingest', 'ws'],
] as const)('Producer under --auth sigv4 (%s)', (_label, kind) => {
  const producer = (credentials: AwsCredentials | undefined, stream: string, port?: number) =>
    new Producer({ streamName: stream, endpoint: endpoints[kind](port), ...(credentials === undefined ? {} : { credentials }), lingerMs: 1 });

  it('stores the records it signs with the right key', async () => {
    const stream = await newStream(`auth-${kind}`);
    const p = producer(KEY, stream);
    const stored = await Promise.all(Array.from({ length: 30 }, (_, i) => p.put(`k${i % 3}`, Buffer.from(`v${i}`))));
    await p.close();
    expect(stored.every((s) => s.shardId === 'shardId-000000000000')).toBe(true);
    const got = await readBack(stream);
    expect(got.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `k${i % 3}=v${i}`).sort());
    for (const key of ['k0', 'k1', 'k2']) expect(got.filter((r) => r.startsWith(`${key}=`))).toHaveLength(10);
  });

  it("fails at once with AWS's error for a wrong secret or an unknown key, and stores nothing", async () => {
    const stream = await newStream(`refused-${kind}`);
    for (const [credentials, expected] of [
      [{ ...KEY, secretAccessKey: 'a-wrong-secret' }, INVALID_SIGNATURE],
      [{ ...KEY, accessKeyId: 'AKIDNOBODY' }, 'UnrecognizedClientException: The security token included in the request is invalid. (after 1 attempt)'],
    ] as const) {
      const p = producer(credentials, stream);
      const started = Date.now();
      const err = await p.put('k', Buffer.from('refused')).catch((e: unknown) => e);
      // Not retried (30 attempts with backoff would take many seconds): one attempt, named.
      expect(Date.now() - started).toBeLessThan(3000);
      expect(err).toBeInstanceOf(ProducerError);
      expect((err as ProducerError).message).toBe(expected);
      expect((err as ProducerError).attempts).toBe(1);
      await p.close();
    }
    expect(await readBack(stream)).toEqual([]);
  });

  it('without credentials is refused by the server, and says so', async () => {
    const p = producer(undefined, 'any');
    const err = (await p.put('k', Buffer.from('v')).catch((e: unknown) => e)) as ProducerError;
    // HTTP carries the placeholder signature (an access key the server does not know); the
    // WebSocket upgrade carries none.
    expect(err.code).toBe(kind === 'http' ? 'UnrecognizedClientException' : 'MissingAuthenticationTokenException');
    expect(err.attempts).toBe(1);
    await p.close();
  });

  it('sends and signs a session token', async () => {
    const stream = await newStream(`token-${kind}`);
    const relay = await recordingRelay(kind === 'http' ? server.port : server.streamPort);
    try {
      const p = producer(TEMPORARY, stream, relay.port);
      await p.put('k', Buffer.from('with a token'));
      await p.close();
      expect(await readBack(stream)).toEqual(['k=with a token']);
      const wire = relay.sent();
      if (kind === 'http') {
        expect(wire).toContain(`x-amz-security-token: ${TEMPORARY.sessionToken}\r\n`);
        expect(/SignedHeaders=([^,]+),/.exec(wire)?.[1]).toBe('content-type;host;x-amz-date;x-amz-security-token;x-amz-target');
      } else {
        const url = new URL(/^GET (\S+) HTTP\/1\.1\r\n/.exec(wire)?.[1] ?? '/', 'ws://x');
        expect(url.searchParams.get('X-Amz-Security-Token')).toBe(TEMPORARY.sessionToken);
        expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAPRODUCER\/\d{8}\/us-east-1\/kinesis\/aws4_request$/);
      }
    } finally {
      await relay.close();
    }
  });
});

it('the WebSocket transport signs each reconnect anew: after the server closes the socket, an expired URL is not reused', async () => {
  const stream = await newStream('auth-reconnect');
  // URLs valid for 2 s (the server checks presigned URLs against their expiry), so the first
  // one has expired by the time the transport reconnects.
  const transport = new WsTransport(endpoints.ws(), { signing: { credentials: KEY, region: 'us-east-1' }, presignExpiresS: 2 });
  const urls = () => (transport as unknown as { ws: { url: string } }).ws.url;
  expect((await transport.send(stream, [{ partitionKey: 'k', data: Buffer.from('one') }]))[0]).toMatchObject({ ok: true });
  const first = new URL(urls());
  await new Promise((r) => setTimeout(r, 3000));
  // The server closes the connection: a message over the route's 12 MiB - 64 KiB limit.
  const socket = (transport as unknown as { ws: { send(b: Buffer): void; once(e: 'close', f: (code: number) => void): void } }).ws;
  const closed = new Promise<number>((resolve) => socket.once('close', resolve));
  socket.send(Buffer.alloc(13 * 1024 * 1024));
  expect(await closed).toBeGreaterThan(1000);
  expect((await transport.send(stream, [{ partitionKey: 'k', data: Buffer.from('two') }]))[0]).toMatchObject({ ok: true });
  const second = new URL(urls());
  await transport.close();
  expect(second.searchParams.get('X-Amz-Date')).not.toBe(first.searchParams.get('X-Amz-Date'));
  expect(second.searchParams.get('X-Amz-Signature')).not.toBe(first.searchParams.get('X-Amz-Signature'));
  expect(await readBack(stream)).toEqual(['k=one', 'k=two']);
}, 20_000);

it('refuses credentials it could not sign with, and credentials beside a Transport, when constructed', () => {
  const transport = { send: () => Promise.resolve([]), close: () => Promise.resolve() };
  expect(() => new Producer({ streamName: 's', endpoint: transport, credentials: KEY })).toThrow('Producer: credentials apply to an endpoint URL; a Transport given as endpoint signs its own requests');
  expect(() => new Producer({ streamName: 's', endpoint: 'http://127.0.0.1:1', credentials: KEY, region: 'us/east' })).toThrow(`Producer: region must be letters, digits and '-' (us-east-1), got "us/east"`);
  expect(() => new Producer({ streamName: 's', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: '', secretAccessKey: 'x' } })).toThrow('Producer: credentials.accessKeyId must be a non-empty string');
  expect(() => new Producer({ streamName: 's', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'AKID', secretAccessKey: '' } })).toThrow('Producer: credentials.secretAccessKey must be a non-empty string');
});
