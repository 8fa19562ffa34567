import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { compressSync } from 'lz4-napi';
import { Producer, Riffle } from 'riffle';
import { rawRequest, startServer, uniqueName, type RunningServer } from './harness.js';
import { ingestRoute } from 'riffle/internal';

// The binary ingest protocol (docs/ws-protocol.md) against the real server process.
let server: RunningServer;
const stream = uniqueName('ws');
beforeAll(async () => {
  server = await startServer(['--no-throttle']);
  expect((await rawRequest(server.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: stream, ShardCount: 3 }))).status).toBe(200);
});
afterAll(async () => {
  await server.stop();
});

interface Rec {
  key: string;
  data: Buffer;
  hashKey?: bigint;
}

function putFrame(batchId: number, streamName: string, records: Rec[], overrides: { type?: number; version?: number; flags?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8);
  head.writeUInt8(overrides.type ?? 1, 0);
  head.writeUInt8(overrides.version ?? 1, 1);
  head.writeUInt16LE(overrides.flags ?? 0, 2);
  head.writeUInt32LE(batchId, 4);
  const name = Buffer.from(streamName);
  const nameLen = Buffer.alloc(2);
  nameLen.writeUInt16LE(name.length);
  const count = Buffer.alloc(4);
  count.writeUInt32LE(records.length);
  parts.push(head, nameLen, name, count);
  for (const r of records) {
    const key = Buffer.from(r.key);
    const h = Buffer.alloc(3);
    h.writeUInt8(r.hashKey === undefined ? 0 : 1, 0);
    h.writeUInt16LE(key.length, 1);
    parts.push(h);
    if (r.hashKey !== undefined) parts.push(Buffer.from(r.hashKey.toString(16).padStart(32, '0'), 'hex'));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.data.length);
    parts.push(key, len, r.data);
  }
  return Buffer.concat(parts);
}

type Reply =
  | { kind: 'ack'; batchId: number; createdMs: number; entries: Array<{ status: number; shardIndex: number; counter: number }> }
  | { kind: 'error'; batchId: number; type: string; message: string };

function parse(frame: Buffer): Reply {
  const kind = frame.readUInt8(0);
  const batchId = frame.readUInt32LE(4);
  if (kind === 3) {
    const tl = frame.readUInt16LE(8);
    const type = frame.toString('utf8', 10, 10 + tl);
    const ml = frame.readUInt32LE(10 + tl);
    return { kind: 'error', batchId, type, message: frame.toString('utf8', 14 + tl, 14 + tl + ml) };
  }
  expect(kind).toBe(2);
  const count = frame.readUInt32LE(16);
  const entries = Array.from({ length: count }, (_, i) => ({
    status: frame.readUInt8(20 + 13 * i),
    shardIndex: frame.readUInt32LE(21 + 13 * i),
    counter: frame.readDoubleLE(25 + 13 * i),
  }));
  return { kind: 'ack', batchId, createdMs: frame.readDoubleLE(8), entries };
}

/** A connection that collects replies by batch id. */
async function connect(port = server.streamPort): Promise<{ ws: WebSocket; reply: (batchId: number) => Promise<Reply>; next: () => Promise<Reply> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ingest`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const queue: Reply[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data: Buffer) => {
    queue.push(parse(data));
    waiters.splice(0).forEach((w) => w());
  });
  const take = async (pred: (r: Reply) => boolean): Promise<Reply> => {
    for (;;) {
      const i = queue.findIndex(pred);
      if (i !== -1) return queue.splice(i, 1)[0] as Reply;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { ws, reply: (batchId) => take((r) => r.batchId === batchId), next: () => take(() => true) };
}

const seq = (createdMs: number, shard: number, counter: number): string =>
  '4' + String(createdMs).padStart(13, '0') + String(shard).padStart(10, '0') + String(counter).padStart(20, '0');

async function readShard(shard: number, port = server.port, streamName = stream): Promise<Array<{ key: string; data: string; seq: string }>> {
  const it = await rawRequest(port, 'Kinesis_20131202.GetShardIterator', JSON.stringify({ StreamName: streamName, ShardId: `shardId-00000000000${shard}`, ShardIteratorType: 'TRIM_HORIZON' }));
  const got = await rawRequest(port, 'Kinesis_20131202.GetRecords', JSON.stringify({ ShardIterator: it.json().ShardIterator }));
  return (got.json().Records as Array<{ PartitionKey: string; Data: string; SequenceNumber: string }>).map((r) => ({ key: r.PartitionKey, data: Buffer.from(r.Data, 'base64').toString(), seq: r.SequenceNumber }));
}

describe('WebSocket binary ingest', () => {
  it('acknowledges every record with its shard and sequence number, pipelined', async () => {
    const { ws, reply } = await connect();
    const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 100 }, (_, i) => ({ key: `dev-${(b * 100 + i) % 37}`, data: Buffer.from(`m-${b}-${i}`) })));
    batches.forEach((records, b) => ws.send(putFrame(1000 + b, stream, records))); // all in flight at once
    const acks = await Promise.all(batches.map((_, b) => reply(1000 + b)));
    const expected = new Map<string, string>(); // sequence number → data
    acks.forEach((a, b) => {
      expect(a.kind).toBe('ack');
      if (a.kind !== 'ack') return;
      expect(a.entries).toHaveLength(100);
      a.entries.forEach((e, i) => {
        expect(e.status).toBe(0);
        expected.set(seq(a.createdMs, e.shardIndex, e.counter), `m-${b}-${i}`);
      });
    });
    const stored = new Map<string, string>();
    for (const shard of [0, 1, 2]) for (const r of await readShard(shard)) stored.set(r.seq, r.data);
    for (const [s, data] of expected) expect(stored.get(s)).toBe(data);
    ws.close();
  });

  it('routes by partition key exactly as PutRecords does, and honours explicit hash keys', async () => {
    const { ws, reply } = await connect();
    const keys = Array.from({ length: 30 }, (_, i) => `route-${i}`);
    ws.send(putFrame(7, stream, [...keys.map((k) => ({ key: k, data: Buffer.from('x') })), { key: 'any', data: Buffer.from('y'), hashKey: (1n << 128n) - 1n }]));
    const ack = await reply(7);
    const viaHttp = await rawRequest(server.port, 'Kinesis_20131202.PutRecords', JSON.stringify({ StreamName: stream, Records: keys.map((k) => ({ PartitionKey: k, Data: 'eA==' })) }));
    const httpShards = (viaHttp.json().Records as Array<{ ShardId: string }>).map((r) => Number(r.ShardId.slice(-1)));
    expect(ack.kind === 'ack' && ack.entries.slice(0, 30).map((e) => e.shardIndex)).toEqual(httpShards);
    expect(ack.kind === 'ack' && ack.entries[30]?.shardIndex).toBe(2);
    ws.close();
  });

  it('answers bad frames with an ERROR frame and keeps the connection', async () => {
    const { ws, reply, next } = await connect();
    ws.send(Buffer.from([1, 1, 0]));
    expect(await next()).toMatchObject({ kind: 'error', batchId: 0, type: 'SerializationException' });
    ws.send(putFrame(11, stream, [{ key: 'k', data: Buffer.from('v') }], { type: 9 }));
    expect(await reply(11)).toEqual({ kind: 'error', batchId: 11, type: 'SerializationException', message: 'Unknown frame type 9' });
    ws.send(putFrame(12, stream, [{ key: 'k', data: Buffer.from('v') }], { version: 2 }));
    expect(await reply(12)).toMatchObject({ kind: 'error', type: 'SerializationException' });
    ws.send(putFrame(13, stream, [{ key: 'k', data: Buffer.from('v') }]).subarray(0, 20));
    expect(await reply(13)).toMatchObject({ kind: 'error', type: 'SerializationException', message: expect.stringMatching(/^Frame truncated/) });
    ws.send(putFrame(14, 'no-such-stream', [{ key: 'k', data: Buffer.from('v') }]));
    expect(await reply(14)).toEqual({ kind: 'error', batchId: 14, type: 'ResourceNotFoundException', message: 'Stream no-such-stream under account 000000000000 not found.' });
    ws.send(putFrame(15, stream, [{ key: 'ok', data: Buffer.from('v') }, { key: '', data: Buffer.from('v') }]));
    expect(await reply(15)).toEqual({
      kind: 'error',
      batchId: 15,
      type: 'ValidationException',
      message: "1 validation error detected: Value '' at 'records.2.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
    // Over the stream's maximum record size (1 MiB unless UpdateMaxRecordSize raised it).
    ws.send(putFrame(16, stream, [{ key: 'k', data: Buffer.alloc(1024 * 1024 + 1) }]));
    expect(await reply(16)).toMatchObject({ kind: 'error', type: 'InvalidArgumentException', message: 'Record size (data and partition key) exceeds 1 MB limit' });
    ws.send('text is not a frame');
    expect(await next()).toMatchObject({ kind: 'error', type: 'SerializationException' });
    // Still open and working, and nothing from the refused frames was stored.
    ws.send(putFrame(17, stream, [{ key: 'after', data: Buffer.from('fine') }]));
    const ok = await reply(17);
    expect(ok.kind === 'ack' && ok.entries[0]?.status).toBe(0);
    const all = [...(await readShard(0)), ...(await readShard(1)), ...(await readShard(2))];
    expect(all.filter((r) => r.key === 'ok' || r.key === 'k')).toEqual([]);
    ws.close();
    expect(server.alive()).toBe(true);
  });

  it('takes a maximum-size frame, and refuses malformed UTF-8, unknown record flags and oversized frames', async () => {
    const { ws, reply } = await connect();
    // 10,000 records filling the frame limit (12 MiB - 64 KiB): the largest legal PUT.
    const limit = 12 * 1024 * 1024 - 64 * 1024;
    const base = putFrame(21, stream, Array.from({ length: 10_000 }, (_, i) => ({ key: `big${i % 100}`, data: Buffer.alloc(0) })));
    const per = Math.floor((limit - base.length) / 10_000);
    const max = putFrame(21, stream, Array.from({ length: 10_000 }, (_, i) => ({ key: `big${i % 100}`, data: Buffer.alloc(per, i % 256) })));
    expect(max.length).toBeLessThanOrEqual(limit);
    expect(max.length).toBeGreaterThan(limit - 10_000);
    ws.send(max);
    const big = await reply(21);
    expect(big.kind === 'ack' && big.entries.length).toBe(10_000);
    expect(big.kind === 'ack' && big.entries.every((e) => e.status === 0)).toBe(true);

    const badKey = putFrame(22, stream, [{ key: 'ab', data: Buffer.from('v') }]);
    badKey[badKey.indexOf('ab') + 1] = 0xff; // 'a' followed by a byte that is never valid UTF-8
    ws.send(badKey);
    expect(await reply(22)).toEqual({ kind: 'error', batchId: 22, type: 'SerializationException', message: 'The record 0 partition key is not valid UTF-8' });
    const flagged = putFrame(23, stream, [{ key: 'k', data: Buffer.from('v') }]);
    flagged[10 + Buffer.byteLength(stream) + 4] = 0x04;
    ws.send(flagged);
    expect(await reply(23)).toEqual({ kind: 'error', batchId: 23, type: 'SerializationException', message: 'Unsupported record flags 0x4 on record 0' });

    const closed = new Promise<number>((r) => ws.once('close', (code: number) => r(code)));
    ws.send(Buffer.concat([putFrame(24, stream, [{ key: 'k', data: Buffer.alloc(limit) }])]));
    expect(await closed).toBe(1006);
    expect(server.alive()).toBe(true);
  }, 60_000);

  it('takes LZ4-compressed frames (flag bit 0), refuses bad ones, and the producer can send them', async () => {
    const { ws, reply } = await connect();
    const lz4Frame = (batchId: number, records: Rec[], mutate: (block: Buffer) => Buffer = (b) => b): Buffer => {
      const plain = putFrame(batchId, stream, records);
      const at = 10 + Buffer.byteLength(stream) + 4;
      const head = Buffer.from(plain.subarray(0, at));
      head.writeUInt16LE(1, 2);
      return Buffer.concat([head, mutate(compressSync(plain.subarray(at)))]);
    };
    const records = Array.from({ length: 200 }, (_, i) => ({ key: `lz-${i % 9}`, data: Buffer.from(`compressed-${i}-`.repeat(20)) }));
    const frame = lz4Frame(31, records);
    expect(frame.length).toBeLessThan(putFrame(31, stream, records).length / 3);
    ws.send(frame);
    const ack = await reply(31);
    if (ack.kind !== 'ack') throw new Error(JSON.stringify(ack));
    expect(ack.entries.every((e) => e.status === 0)).toBe(true);
    const stored = new Map<string, string>();
    for (const shard of [0, 1, 2]) for (const r of await readShard(shard)) stored.set(r.seq, r.data);
    ack.entries.forEach((e, i) => expect(stored.get(seq(ack.createdMs, e.shardIndex, e.counter))).toBe(`compressed-${i}-`.repeat(20)));

    const one = [{ key: 'lz-bad', data: Buffer.from('never stored') }];
    ws.send(lz4Frame(32, one, (b) => Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x7f]), b.subarray(4)])));
    expect(await reply(32)).toEqual({ kind: 'error', batchId: 32, type: 'InvalidArgumentException', message: `Compressed records claim 2147483647 bytes; at most ${12 * 1024 * 1024 - 64 * 1024} are allowed` });
    ws.send(lz4Frame(33, one, (b) => Buffer.concat([b.subarray(0, 4), Buffer.from([0xf0, 0xff, 0xff, 0x01, 0x02])])));
    expect(await reply(33)).toMatchObject({ kind: 'error', batchId: 33, type: 'SerializationException', message: expect.stringMatching(/^The records are not a valid LZ4 block/) });
    ws.send(lz4Frame(34, one, (b) => { const c = Buffer.from(b); c.writeUInt32LE(b.readUInt32LE(0) + 1, 0); return c; }));
    expect(await reply(34)).toMatchObject({ kind: 'error', batchId: 34, type: expect.stringMatching(/SerializationException/) });
    ws.send(lz4Frame(35, one).subarray(0, 10 + Buffer.byteLength(stream) + 4 + 2));
    expect(await reply(35)).toMatchObject({ kind: 'error', batchId: 35, type: 'SerializationException', message: expect.stringMatching(/^Frame truncated: compressed length/) });
    const all = [...(await readShard(0)), ...(await readShard(1)), ...(await readShard(2))];
    expect(all.filter((r) => r.key === 'lz-bad')).toEqual([]);
    ws.close();

    const producer = new Producer({ streamName: stream, endpoint: `ws://127.0.0.1:${server.streamPort}`, compression: 'lz4', lingerMs: 5 });
    const puts = await Promise.all(Array.from({ length: 300 }, (_, i) => producer.put('lz-producer', Buffer.from(`p-${i}`))));
    await producer.close();
    const shard = Number(puts[0]!.shardId.slice(-1));
    const mine = (await readShard(shard)).filter((r) => r.key === 'lz-producer');
    expect(mine.map((r) => r.data)).toEqual(Array.from({ length: 300 }, (_, i) => `p-${i}`));
    expect(mine.map((r) => r.seq)).toEqual(puts.map((p) => p.sequenceNumber));
    expect(() => new Producer({ streamName: stream, endpoint: 'ws://127.0.0.1:1', compression: 'zstd' as 'lz4' })).toThrow("compression is 'none' or 'lz4'");
  });

  it('disconnects a reader that lets 64 MiB of replies pile up (1008); the server stays up', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.streamPort}/ingest`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    // Stop reading: the kernel's buffers fill, then replies queue inside the server.
    const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    let acks = 0;
    let errors = 0;
    ws.on('message', (data: Buffer) => {
      if (data.readUInt8(0) === 2) acks++;
      else errors++;
    });
    const closed = new Promise<number>((r) => ws.once('close', (code: number) => r(code)));
    // Each frame: 10,000 one-byte-key records, ~80 KB; its ACK is 130 KB. 700 ACKs are 91 MB.
    // They go in chunks of 100, each taken in (server CPU idle) before the next, so the 128-frame
    // in-flight window never refuses one, however loaded the machine is.
    const cpuTicks = (): number => {
      const f = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return Number(f[11]) + Number(f[12]);
    };
    const settled = async (): Promise<void> => {
      for (let t = 0, last = -1; t < 400 && server.alive(); t++) {
        await new Promise((r) => setTimeout(r, 100));
        const now = cpuTicks();
        if ((ws as unknown as { bufferedAmount: number }).bufferedAmount === 0 && now === last) return;
        last = now;
      }
    };
    const frame = putFrame(0, stream, Array.from({ length: 10_000 }, () => ({ key: 'z', data: Buffer.alloc(0) })));
    const frames = 700;
    for (let b = 1; b <= frames; b++) {
      const f = Buffer.from(frame);
      f.writeUInt32LE(b, 4);
      ws.send(f);
      if (b % 100 === 0) await settled();
    }
    socket.resume();
    expect(await closed).toBe(1008);
    expect(acks).toBeGreaterThan(300); // what was queued before the cut-off still arrives
    expect(acks).toBeLessThan(frames);
    expect(errors).toBe(0); // the cut-off, not the in-flight window, is what stopped the replies
    expect(server.alive()).toBe(true);
    // And the server still serves new connections.
    const { ws: again, reply } = await connect();
    again.send(putFrame(9, stream, [{ key: 'after-slow', data: Buffer.from('ok') }]));
    expect((await reply(9)).kind).toBe('ack');
    again.close();
  }, 90_000);

  it('refuses PUT frames beyond the in-flight window instead of queueing them', async () => {
    // Frames delivered faster than the engine acknowledges them: 200 in one tick, straight into
    // the session the uWS route opens per connection (the peer stands where the socket would be).
    const riffle = await Riffle.start({ workers: 1, throttle: false });
    try {
      await riffle.kinesis.createStream({ StreamName: 'win', ShardCount: 1 });
      const sent: Buffer[] = [];
      const session = ingestRoute(riffle.engine).open({ send: (m) => void sent.push(Buffer.from(m)), bufferedBytes: () => 0, close: () => undefined });
      for (let b = 0; b < 200; b++) session.message(putFrame(b + 1, 'win', [{ key: 'k', data: Buffer.from(`r${b}`) }]), true);
      const refused = sent.map(parse).filter((r) => r.kind === 'error');
      expect(refused).toHaveLength(200 - 128);
      for (const r of refused) expect(r).toMatchObject({ type: 'LimitExceededException', message: 'At most 128 PUT frames may await their ACK on one connection.' });
      expect(refused.map((r) => r.batchId)).toEqual(Array.from({ length: 72 }, (_, i) => 129 + i));
      for (let t = 0; sent.length < 200 && t < 1000; t++) await new Promise((r) => setTimeout(r, 10));
      const acks = sent.map(parse).filter((r) => r.kind === 'ack');
      expect(acks.map((a) => a.batchId).sort((x, y) => x - y)).toEqual(Array.from({ length: 128 }, (_, i) => i + 1));
      // The window reopens as ACKs go out.
      session.message(putFrame(999, 'win', [{ key: 'k', data: Buffer.from('later') }]), true);
      for (let t = 0; sent.length < 201 && t < 1000; t++) await new Promise((r) => setTimeout(r, 10));
      expect(parse(sent[200] as Buffer)).toMatchObject({ kind: 'ack', batchId: 999 });
    } finally {
      await riffle.close();
    }
  });
});

describe('WebSocket binary ingest across several shard owners', () => {
  it('puts every ACK entry back in record order when one frame spans three owners', async () => {
    const multi = await startServer(['--no-throttle', '--workers', '3']);
    try {
      expect((await rawRequest(multi.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: 'multi', ShardCount: 5 }))).status).toBe(200);
      const { ws, reply } = await connect(multi.streamPort);
      const keys = Array.from({ length: 400 }, (_, i) => `owner-key-${i}`);
      const records: Rec[] = keys.map((key, i) => ({ key, data: Buffer.from(`d-${i}`) }));
      records.push({ key: 'pinned', data: Buffer.from('d-400'), hashKey: 0n }, { key: 'pinned', data: Buffer.from('d-401'), hashKey: (1n << 128n) - 1n });
      ws.send(putFrame(5, 'multi', records));
      ws.send(putFrame(6, 'multi', records.slice(0, 3)));
      const ack = await reply(5);
      const second = await reply(6);
      if (ack.kind !== 'ack' || second.kind !== 'ack') throw new Error(`expected ACKs, got ${JSON.stringify([ack, second])}`);
      expect(ack.entries.every((e) => e.status === 0)).toBe(true);
      // Routing as PutRecords does it, and the two explicit hash keys at the ends of the key space.
      const viaHttp = await rawRequest(multi.port, 'Kinesis_20131202.PutRecords', JSON.stringify({ StreamName: 'multi', Records: keys.map((k) => ({ PartitionKey: k, Data: 'eA==' })) }));
      const httpShards = (viaHttp.json().Records as Array<{ ShardId: string }>).map((r) => Number(r.ShardId.slice(-1)));
      expect(ack.entries.slice(0, 400).map((e) => e.shardIndex)).toEqual(httpShards);
      expect(new Set(httpShards).size).toBe(5);
      expect(ack.entries.slice(400).map((e) => e.shardIndex)).toEqual([0, 4]);
      // Each entry's sequence number names the record it belongs to; counters are dense per shard.
      const stored = new Map<string, string>();
      for (const shard of [0, 1, 2, 3, 4]) for (const r of await readShard(shard, multi.port, 'multi')) stored.set(r.seq, r.data);
      ack.entries.forEach((e, i) => expect(stored.get(seq(ack.createdMs, e.shardIndex, e.counter))).toBe(`d-${i}`));
      second.entries.forEach((e, i) => expect(stored.get(seq(second.createdMs, e.shardIndex, e.counter))).toBe(`d-${i}`));
      for (const shard of [0, 1, 2, 3, 4]) {
        const counters = ack.entries.filter((e) => e.shardIndex === shard).map((e) => e.counter);
        expect(counters).toEqual(counters.map((_, k) => (counters[0] as number) + k));
      }
      ws.close();
    } finally {
      await multi.stop();
    }
  });
});
