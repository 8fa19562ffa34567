import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand, RegisterStreamConsumerCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { h2Client, startServer, type RunningServer } from './harness.js';
import { Subscriber, type Pushed } from './push-subscriber.js';

// WebSocket push (docs/ws-protocol.md, "Push") against the real server: a registered consumer
// subscribes to all shards or some, from a starting position, and resumes after a reconnect.
let server: RunningServer;
let client: KinesisClient;
beforeAll(async () => {
  server = await startServer(['--write-bytes-per-sec', '100000000', '--write-records-per-sec', '1000000']);
  client = h2Client(server.port);
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/internal failure|Error:/);
  await server.stop();
});

async function setup(name: string, shards: number, consumer: string): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN as string;
  return (await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: consumer }))).Consumer?.ConsumerARN as string;
}

/** Puts n records with keys k0..k(n-1); returns each one's shard index and counter from its sequence number. */
async function put(stream: string, tag: string, n: number): Promise<Pushed[]> {
  const records = Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`${tag}-${i}`) }));
  const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
  expect(out.FailedRecordCount).toBe(0);
  return (out.Records ?? []).map((r, i) => ({
    shardIndex: Number((r.ShardId as string).slice(8)),
    counter: Number((r.SequenceNumber as string).slice(24)),
    key: `k${i}`,
    data: `${tag}-${i}`,
  }));
}

/** Per shard, in counter order. */
function byShard(records: Pushed[]): Map<number, Pushed[]> {
  const out = new Map<number, Pushed[]>();
  for (const r of records) out.set(r.shardIndex, [...(out.get(r.shardIndex) ?? []), r]);
  for (const list of out.values()) list.sort((a, b) => a.counter - b.counter);
  return out;
}

describe('WebSocket push', () => {
  it('pushes every record of every shard exactly once, in order per shard, then live ones', async () => {
    const consumerARN = await setup('wsp', 3, 'all');
    const before = await put('wsp', 'old', 300);
    const sub = new Subscriber(server.streamPort, { consumerARN, startingPosition: { Type: 'TRIM_HORIZON' } });
    await sub.opened;
    await sub.until(() => sub.records.length >= 300);
    const live = await put('wsp', 'new', 300);
    await sub.until(() => sub.records.length >= 600);
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.records.length).toBe(600); // nothing twice
    const subscribed = sub.control[0] as { type: string; shards: Array<{ shardId: string }>; streamCreatedMs: number };
    expect(subscribed.type).toBe('subscribed');
    expect(subscribed.shards.map((s) => s.shardId)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    // In order per shard as pushed, and exactly what was stored.
    const pushed = new Map<number, Pushed[]>();
    for (const r of sub.records) pushed.set(r.shardIndex, [...(pushed.get(r.shardIndex) ?? []), r]);
    expect(pushed).toEqual(byShard([...before, ...live]));
    expect(pushed.size).toBe(3);
    await sub.close();
  });

  it('resumes after a reconnect from the continuation of each shard, with no gap and no repeat', async () => {
    const consumerARN = await setup('wsr', 2, 'resumer');
    const first = await put('wsr', 'a', 200);
    const sub = new Subscriber(server.streamPort, { consumerARN, shards: ['shardId-000000000001'], startingPosition: { Type: 'TRIM_HORIZON' } });
    await sub.opened;
    const want1 = first.filter((r) => r.shardIndex === 1);
    await sub.until(() => sub.records.length >= want1.length);
    await sub.close();
    const second = await put('wsr', 'b', 200);
    const created = (sub.control[0] as { streamCreatedMs: number }).streamCreatedMs;
    const seq = (shard: number, counter: number): string => '4' + String(created).padStart(13, '0') + String(shard).padStart(10, '0') + String(counter).padStart(20, '0');
    const again = new Subscriber(server.streamPort, { consumerARN, shards: ['shardId-000000000001'], resume: { 'shardId-000000000001': seq(1, sub.continuation.get(1) as number) } });
    await again.opened;
    const want2 = second.filter((r) => r.shardIndex === 1);
    await again.until(() => again.records.length >= want2.length);
    expect([...sub.records, ...again.records]).toEqual([...want1, ...want2]);
    await again.close();
  });

  it('answers bad subscriptions with an error message and keeps serving', async () => {
    const consumerARN = await setup('wse', 1, 'e');
    const cases: Array<[unknown, string]> = [
      ['not json', 'SerializationException'],
      [{ consumerARN: 42 }, 'InvalidArgumentException'],
      [{ consumerARN: `${consumerARN.split('/consumer/')[0]}/consumer/ghost:1` }, 'ResourceNotFoundException'],
      [{ consumerARN, shards: ['shardId-000000000007'] }, 'ResourceNotFoundException'],
      [{ consumerARN, startingPosition: { Type: 'SOMEWHERE' } }, 'InvalidArgumentException'],
      [{ consumerARN, startingPosition: { Type: 'AT_SEQUENCE_NUMBER' } }, 'InvalidArgumentException'],
      [{ consumerARN, resume: { 'shardId-000000000000': 'nope' } }, 'InvalidArgumentException'],
    ];
    for (const [request, code] of cases) {
      const sub = new Subscriber(server.streamPort, request);
      await sub.opened;
      await sub.until(() => sub.control.length > 0);
      expect(sub.control[0]).toMatchObject({ type: 'error', code });
      await sub.close();
    }
    expect(server.alive()).toBe(true);
  });

  it('pauses a consumer that stops reading without slowing another, then delivers everything to it', async () => {
    const stream = 'wss';
    const slowArn = await setup(stream, 1, 'slow');
    const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamARN as string;
    const fastArn = (await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'fast' }))).Consumer?.ConsumerARN as string;
    const slow = new Subscriber(server.streamPort, { consumerARN: slowArn, startingPosition: { Type: 'LATEST' } });
    const fast = new Subscriber(server.streamPort, { consumerARN: fastArn, startingPosition: { Type: 'LATEST' } });
    await Promise.all([slow.opened, fast.opened]);
    await Promise.all([slow.until(() => slow.control.length > 0), fast.until(() => fast.control.length > 0)]);
    // The slow client stops reading its socket; the server must buffer at most about 1 MiB for it.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const big = 'x'.repeat(8000);
    const total = 1500; // 12 MB, far more than the slow connection may hold
    for (let n = 0; n < total; n += 250) {
      const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 250 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`${n + i}:${big}`) })) }));
      expect(out.FailedRecordCount).toBe(0);
    }
    await fast.until(() => fast.records.length >= total);
    expect(slow.records.length).toBeLessThan(total);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.until(() => slow.records.length >= total, 20_000);
    expect(slow.records.map((r) => r.counter)).toEqual(fast.records.map((r) => r.counter));
    expect(slow.records.map((r) => r.data.split(':')[0])).toEqual(Array.from({ length: total }, (_, i) => String(i)));
    await Promise.all([slow.close(), fast.close()]);
  }, 60_000);

  it('catches many consumers up over a backlog in well-formed frames, each record exactly once in order', async () => {
    // Subscribed from the start of 32 MB: each reads for itself until it reaches the shard's
    // feed, then shares its reads, while the server sends 1 MiB frames as fast as they are taken.
    const stream = 'wsb';
    await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamARN as string;
    const big = 'y'.repeat(8000);
    const stored: Pushed[] = [];
    const total = 4000; // 32 MB in, 192 MB out
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let n = w * 250; n < total; n += 1000) {
          const records = Array.from({ length: 250 }, (_, i) => ({ PartitionKey: `k${(n + i) % 16}`, Data: Buffer.from(`${n + i}:${big}`) }));
          const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
          expect(out.FailedRecordCount).toBe(0);
          (out.Records ?? []).forEach((r, i) =>
            stored.push({ shardIndex: Number((r.ShardId as string).slice(8)), counter: Number((r.SequenceNumber as string).slice(24)), key: records[i]?.PartitionKey as string, data: `${n + i}:${big}` }),
          );
        }
      }),
    );
    const subs: Subscriber[] = [];
    for (let c = 0; c < 6; c++) {
      const consumerARN = (await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: `busy${c}` }))).Consumer?.ConsumerARN as string;
      subs.push(new Subscriber(server.streamPort, { consumerARN, startingPosition: { Type: 'TRIM_HORIZON' } }));
    }
    await Promise.all(subs.map((s) => s.opened));
    const want = byShard(stored);
    for (const sub of subs) {
      await sub.until(() => sub.records.length >= total, 30_000);
      expect(sub.malformed).toBe(0);
      const got = new Map<number, Pushed[]>();
      for (const r of sub.records) got.set(r.shardIndex, [...(got.get(r.shardIndex) ?? []), r]);
      expect(got).toEqual(want);
    }
    await Promise.all(subs.map((s) => s.close()));
  }, 90_000);
});
