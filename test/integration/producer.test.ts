import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer, ProducerError } from 'riffle';
import { createServer, type Server } from 'node:net';
import { WebSocketServer } from 'ws';
import { HttpTransport, WsTransport } from 'riffle/internal';
import { rawRequest, startServer, uniqueName, type RunningServer } from './harness.js';

// The producer against the real server with AWS's per-shard limits on: one shard takes 1,000
// records/s after a 1,000-record burst, so 2,500 records force throttling and retries.
let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

async function readAll(stream: string): Promise<Array<{ key: string; data: string; seq: string }>> {
  const it = await rawRequest(server.port, 'Kinesis_20131202.GetShardIterator', JSON.stringify({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
  const got = await rawRequest(server.port, 'Kinesis_20131202.GetRecords', JSON.stringify({ ShardIterator: it.json().ShardIterator }));
  return (got.json().Records as Array<{ PartitionKey: string; Data: string; SequenceNumber: string }>).map((r) => ({
    key: r.PartitionKey,
    data: Buffer.from(r.Data, 'base64').toString(),
    seq: r.SequenceNumber,
  }));
}

describe.each([
  ['PutRecords over HTTP', () => `http://127.0.0.1:${server.port}`],
  ['binary WebSocket ingest', () => `ws://127.0.0.1:${server.streamPort}`],
])('Producer (%s)', (_label, endpoint) => {
  it('stores every record exactly once, in order per key, retrying throttled ones', async () => {
    const stream = uniqueName('prod');
    expect((await rawRequest(server.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: stream, ShardCount: 1 }))).status).toBe(200);
    const producer = new Producer({ streamName: stream, endpoint: endpoint(), backoffBaseMs: 10, backoffMaxMs: 200 });
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const started = Date.now();
    const puts = Array.from({ length: 2500 }, (_, i) => producer.put(keys[i % 5] as string, Buffer.from(`${keys[i % 5]}-${Math.floor(i / 5)}`)));
    const stored = await Promise.all(puts);
    const elapsed = Date.now() - started;
    await producer.close();
    // 2,500 records at 1,000/s after a 1,000 burst cannot take less than ~1.5 s: the limit held
    // and the producer waited it out instead of failing.
    expect(elapsed).toBeGreaterThan(1200);
    for (const key of keys) {
      const mine = stored.filter((_, i) => keys[i % 5] === key).map((s) => BigInt(s.sequenceNumber));
      for (let i = 1; i < mine.length; i++) expect(mine[i]! > mine[i - 1]!).toBe(true);
    }
    const onShard = await readAll(stream);
    expect(onShard).toHaveLength(2500);
    for (const key of keys) {
      expect(onShard.filter((r) => r.key === key).map((r) => r.data)).toEqual(Array.from({ length: 500 }, (_, n) => `${key}-${n}`));
    }
    expect(new Set(onShard.map((r) => r.seq)).size).toBe(2500);
  }, 60_000);

  it('bounds pending records: puts past maxPendingRecords wait their turn, in order', async () => {
    const stream = uniqueName('bounded');
    expect((await rawRequest(server.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: stream, ShardCount: 1 }))).status).toBe(200);
    const producer = new Producer({ streamName: stream, endpoint: endpoint(), maxPendingRecords: 3, lingerMs: 1 });
    const stored = await Promise.all(Array.from({ length: 60 }, (_, i) => producer.put(`k${i % 2}`, Buffer.from(`v${i}`))));
    await producer.close();
    const onShard = await readAll(stream);
    expect(onShard.map((r) => r.data).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`).sort());
    for (const key of ['k0', 'k1']) {
      expect(onShard.filter((r) => r.key === key).map((r) => Number(r.data.slice(1)))).toEqual(Array.from({ length: 30 }, (_, n) => 2 * n + (key === 'k1' ? 1 : 0)));
    }
    expect(new Set(stored.map((s) => s.sequenceNumber)).size).toBe(60);
  });

  it('refuses records that break PutRecords rules before batching them', async () => {
    const producer = new Producer({ streamName: 'any', endpoint: endpoint() });
    const empty = await producer.put('', Buffer.from('v')).catch((e: unknown) => e);
    expect(empty).toMatchObject({ code: 'ValidationException', attempts: 0 });
    const huge = await producer.put('k', Buffer.alloc(1024 * 1024)).catch((e: unknown) => e);
    expect(huge).toMatchObject({ code: 'InvalidArgumentException', attempts: 0 });
    await producer.close();
  });

  it('gives up on records the service refuses for good, with the AWS error', async () => {
    const producer = new Producer({ streamName: 'no-such-stream', endpoint: endpoint() });
    const err = await producer.put('k', Buffer.from('v')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProducerError);
    expect((err as ProducerError).code).toBe('ResourceNotFoundException');
    expect((err as ProducerError).attempts).toBe(1);
    expect((err as ProducerError).message).toBe('ResourceNotFoundException: Stream no-such-stream under account 000000000000 not found. (after 1 attempt)');
    await producer.close();
  });
});

it('the WebSocket transport fails in-flight batches on a lost connection and reconnects on the next send', async () => {
  const stream = uniqueName('reconnect');
  expect((await rawRequest(server.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: stream, ShardCount: 1 }))).status).toBe(200);
  const transport = new WsTransport(`ws://127.0.0.1:${server.streamPort}`);
  const first = await transport.send(stream, [{ partitionKey: 'k', data: Buffer.from('one') }]);
  expect(first[0]).toMatchObject({ ok: true, shardId: 'shardId-000000000000' });
  const socket = (transport as unknown as { ws: { terminate(): void } }).ws;
  const inFlight = transport.send(stream, [{ partitionKey: 'k', data: Buffer.from('maybe') }]);
  socket.terminate(); // the connection drops with a batch awaiting its reply
  await expect(inFlight).rejects.toMatchObject({ code: 'InternalFailure', retryable: true });
  const again = await transport.send(stream, [{ partitionKey: 'k', data: Buffer.from('two') }]);
  expect(again[0]).toMatchObject({ ok: true });
  await transport.close();
  const data = (await readAll(stream)).map((r) => r.data);
  expect(data[0]).toBe('one');
  expect(data[data.length - 1]).toBe('two');
});

it('both transports fail a batch whose reply never comes, as retryable, after the request timeout', async () => {
  // A peer that accepts and reads but never answers: a hung server.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  let frames = 0;
  wss.on('connection', (ws) => ws.on('message', () => frames++));
  const silent: Server = createServer((socket) => socket.on('data', () => undefined));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const wsPort = (wss.address() as { port: number }).port;
    const ws = new WsTransport(`ws://127.0.0.1:${wsPort}`, { requestTimeoutMs: 300 });
    const t0 = Date.now();
    await expect(ws.send('s', [{ partitionKey: 'k', data: Buffer.from('v') }])).rejects.toMatchObject({ code: 'InternalFailure', retryable: true, detail: 'no reply within 300 ms' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(frames).toBe(1);
    await ws.close();
    const http = new HttpTransport(`http://127.0.0.1:${(silent.address() as { port: number }).port}`, 1, { requestTimeoutMs: 300 });
    const t1 = Date.now();
    await expect(http.send('s', [{ partitionKey: 'k', data: Buffer.from('v') }])).rejects.toMatchObject({ code: 'InternalFailure', retryable: true, detail: 'no reply within 300 ms' });
    expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
    await http.close();
    // A server that takes the connection but never answers the upgrade: the same time limit.
    const hung = new WsTransport(`ws://127.0.0.1:${(silent.address() as { port: number }).port}`, { requestTimeoutMs: 300 });
    const t2 = Date.now();
    await expect(hung.send('s', [{ partitionKey: 'k', data: Buffer.from('v') }])).rejects.toMatchObject({ code: 'InternalFailure', retryable: true, detail: 'Opening handshake has timed out' });
    expect(Date.now() - t2).toBeGreaterThanOrEqual(290);
    await hung.close();
  } finally {
    wss.close();
    silent.close();
  }
});
