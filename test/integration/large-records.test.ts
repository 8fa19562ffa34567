import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  UpdateMaxRecordSizeCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { h1Client, h2Client, startServer, type RunningServer } from './harness.js';
import { Subscriber } from './push-subscriber.js';

// Large records (UpdateMaxRecordSize up to 10 MiB) through every path: PutRecord and PutRecords
// over HTTP/2 and HTTP/1.1, binary WebSocket ingest, GetRecords, SubscribeToShard, the durable log
// and its recovery after kill -9 (a whole 10 MiB record is never taken for a torn tail), and the
// write bucket, which admits a record larger than a second's budget and is in debt after it.
const MiB = 1024 * 1024;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

async function largeStream(c: KinesisClient, name: string, kib = 10240): Promise<string> {
  await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const arn = (await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN as string;
  await c.send(new UpdateMaxRecordSizeCommand({ StreamARN: arn, MaxRecordSizeInKiB: kib }));
  return arn;
}

async function readAll(c: KinesisClient, name: string): Promise<Array<{ key: string; md5: string; size: number; seq: string }>> {
  let it = (await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: Array<{ key: string; md5: string; size: number; seq: string }> = [];
  for (let i = 0; i < 20 && it !== undefined; i++) {
    const page = await c.send(new GetRecordsCommand({ ShardIterator: it }));
    for (const r of page.Records ?? []) out.push({ key: r.PartitionKey as string, md5: md5(r.Data as Uint8Array), size: (r.Data as Uint8Array).length, seq: r.SequenceNumber as string });
    if ((page.Records ?? []).length === 0) break;
    it = page.NextShardIterator;
  }
  return out;
}

/** One binary WebSocket PUT frame of one record (docs/ws-protocol.md); resolves with the ACK's first status. */
function wsPut(port: number, stream: string, key: string, data: Buffer): Promise<number> {
  const name = Buffer.from(stream);
  const head = Buffer.alloc(8);
  head.writeUInt8(1, 0);
  head.writeUInt8(1, 1);
  head.writeUInt32LE(7, 4);
  const nameLen = Buffer.alloc(2);
  nameLen.writeUInt16LE(name.length);
  const count = Buffer.alloc(4);
  count.writeUInt32LE(1);
  const k = Buffer.from(key);
  const rec = Buffer.alloc(3);
  rec.writeUInt16LE(k.length, 1);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(data.length);
  const frame = Buffer.concat([head, nameLen, name, count, rec, k, len, data]);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ingest`);
    ws.once('open', () => ws.send(frame));
    ws.once('message', (m: Buffer) => {
      ws.close();
      if (m.readUInt8(0) !== 2) return reject(new Error(`ERROR frame: ${m.toString('utf8', 10)}`));
      resolve(m.readUInt8(20));
    });
    ws.once('error', reject);
  });
}

describe('large records', () => {
  let server: RunningServer;
  it('a 10 MiB record goes in by PutRecord (HTTP/2, HTTP/1.1), PutRecords and WebSocket ingest, and comes out whole by GetRecords and SubscribeToShard', async () => {
    server = await startServer(['--no-throttle']);
    try {
      const h2 = h2Client(server.port);
      const h1 = h1Client(server.port);
      const arn = await largeStream(h2, 'large');
      const max = 10 * MiB - 3; // data plus the 3-byte key: exactly the maximum
      const blobs = [randomBytes(max), randomBytes(max), randomBytes(max), randomBytes(max)];
      expect((await h2.send(new PutRecordCommand({ StreamName: 'large', PartitionKey: 'k-0', Data: blobs[0] }))).ShardId).toBe('shardId-000000000000');
      await h1.send(new PutRecordCommand({ StreamName: 'large', PartitionKey: 'k-1', Data: blobs[1] }));
      const batch = await h1.send(new PutRecordsCommand({ StreamName: 'large', Records: [{ PartitionKey: 'k-2', Data: blobs[2] }] }));
      expect(batch.FailedRecordCount).toBe(0);
      expect(await wsPut(server.streamPort, 'large', 'k-3', blobs[3] as Buffer)).toBe(0);
      // One byte over the stream's maximum, and a PutRecords over 10 MiB in all, are refused.
      await expect(h2.send(new PutRecordCommand({ StreamName: 'large', PartitionKey: 'k-9', Data: Buffer.alloc(max + 1) }))).rejects.toMatchObject({
        name: 'InvalidArgumentException',
        message: 'Record size (data and partition key) exceeds 10 MB limit',
      });
      await expect(h2.send(new PutRecordsCommand({ StreamName: 'large', Records: [{ PartitionKey: 'a', Data: Buffer.alloc(5.25 * MiB) }, { PartitionKey: 'b', Data: Buffer.alloc(5.25 * MiB) }] }))).rejects.toMatchObject({
        name: 'InvalidArgumentException',
        message: 'Records size exceeds 10 MB limit',
      });
      const got = await readAll(h2, 'large');
      expect(got.map((g) => [g.key, g.size, g.md5])).toEqual(blobs.map((b, i) => [`k-${i}`, max, md5(b)]));

      const consumer = (await h2.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'big' }))).Consumer?.ConsumerARN as string;
      await new Promise((r) => setTimeout(r, 50));
      const abort = new AbortController();
      const sub = await h2.send(new SubscribeToShardCommand({ ConsumerARN: consumer, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }), { abortSignal: abort.signal });
      const pushed: string[] = [];
      for await (const ev of sub.EventStream ?? []) {
        for (const r of ev.SubscribeToShardEvent?.Records ?? []) pushed.push(md5(r.Data as Uint8Array));
        if (pushed.length === 4) break;
      }
      abort.abort();
      expect(pushed).toEqual(blobs.map(md5));
      // And over WebSocket push, each in a RECORDS frame of its own.
      const ws = new Subscriber(server.streamPort, { consumerARN: consumer, startingPosition: { Type: 'TRIM_HORIZON' } });
      await ws.until(() => ws.records.length === 4, 30_000);
      expect(ws.md5s).toEqual(blobs.map(md5));
      await ws.close();
      // A stream at the default 1 MiB still refuses more.
      await h2.send(new CreateStreamCommand({ StreamName: 'small', ShardCount: 1 }));
      await expect(h2.send(new PutRecordCommand({ StreamName: 'small', PartitionKey: 'k', Data: Buffer.alloc(MiB) }))).rejects.toMatchObject({
        name: 'InvalidArgumentException',
        message: 'Record size (data and partition key) exceeds 1 MB limit',
      });
      expect(server.alive()).toBe(true);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('the durable log keeps acknowledged 10 MiB records across kill -9, none taken for a torn tail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-large-'));
    dirs.push(dir);
    let s = await startServer(['--data-dir', dir, '--no-throttle']);
    const c = h2Client(s.port);
    await largeStream(c, 'kept');
    const blobs = Array.from({ length: 3 }, () => randomBytes(10 * MiB - 1));
    const seqs: string[] = [];
    for (const b of blobs) seqs.push((await c.send(new PutRecordCommand({ StreamName: 'kept', PartitionKey: 'k', Data: b }))).SequenceNumber as string);
    s.child.kill('SIGKILL');
    await s.stop();
    s = await startServer(['--data-dir', dir, '--no-throttle']);
    try {
      expect(s.stdout()).not.toMatch(/truncat|torn/i);
      const got = await readAll(h2Client(s.port), 'kept');
      expect(got.map((g) => [g.seq, g.md5])).toEqual(blobs.map((b, i) => [seqs[i], md5(b)]));
    } finally {
      await s.stop();
    }
  }, 60_000);

  it('a shard admits records larger than a second of its write budget from a burst allowance, and smaller records go on', async () => {
    const s = await startServer();
    try {
      const c = h2Client(s.port);
      await largeStream(c, 'budget', 4096);
      // 4 MiB records on a 1 MiB/s shard: each takes the second's budget and the rest from the
      // 10 MiB burst allowance: two fit (3 + 4 MiB of it), the third does not.
      const big = Buffer.alloc(4 * MiB - 1);
      await c.send(new PutRecordCommand({ StreamName: 'budget', PartitionKey: 'k', Data: big }));
      await c.send(new PutRecordCommand({ StreamName: 'budget', PartitionKey: 'k', Data: big }));
      await expect(c.send(new PutRecordCommand({ StreamName: 'budget', PartitionKey: 'k', Data: big }))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
      // Small records are taken again as the second's budget refills (AWS: "continue sending smaller records").
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) {
        ok = await c.send(new PutRecordCommand({ StreamName: 'budget', PartitionKey: 'k', Data: Buffer.from('small') })).then(() => true, () => false);
        if (!ok) await new Promise((r) => setTimeout(r, 20));
      }
      expect(ok).toBe(true);
    } finally {
      await s.stop();
    }
  });
});
