import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Riffle } from 'riffle';
import type { OwnerPool } from 'riffle/internal';
import { credentials, h2Client, startServer } from './harness.js';

// A shard owner's faults: the descriptors it holds are bounded (--open-files), it holds and then
// resumes its writes when the process runs out of descriptors (EMFILE), and a dead owner is
// replaced, its durable shards recovered from disk and its in-memory ones answering a clear error.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const dataDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'riffle-faults-'));
  dirs.push(d);
  return d;
};

/** The server's open descriptors on files under `dir`. */
function filesOpenUnder(pid: number, dir: string): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(dir)) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

/** ExplicitHashKey inside shard i of n evenly split shards. */
const keyOf = (i: number, n: number): string => (((1n << 128n) / BigInt(n)) * BigInt(i) + 1n).toString();

async function readAll(client: KinesisClient, stream: string, shardId: string): Promise<string[]> {
  let it = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: string[] = [];
  for (let i = 0; i < 50 && it !== undefined; i++) {
    const r = await client.send(new GetRecordsCommand({ ShardIterator: it }));
    out.push(...(r.Records ?? []).map((x) => Buffer.from(x.Data as Uint8Array).toString()));
    if ((r.Records ?? []).length === 0 && r.MillisBehindLatest === 0) break;
    it = r.NextShardIterator;
  }
  return out;
}

describe('segment file descriptors', () => {
  it('keeps at most --open-files of them open, however many shards are written and read from disk', async () => {
    const dir = dataDir();
    const server = await startServer(['--data-dir', dir, '--open-files', '32', '--workers', '1', '--no-throttle', '--hot-bytes', '4096', '--segment-bytes', '4096']);
    try {
      const client = h2Client(server.port);
      const shards = 120;
      await client.send(new CreateStreamCommand({ StreamName: 'many', ShardCount: shards }));
      // Several rounds over every shard: each rolls segments, so older records are read from disk.
      for (let round = 0; round < 3; round++) {
        for (let from = 0; from < shards; from += 100) {
          const records = Array.from({ length: Math.min(100, shards - from) }, (_, i) => ({ PartitionKey: 'k', ExplicitHashKey: keyOf(from + i, shards), Data: Buffer.from(`r${round}-s${from + i}-`.padEnd(1500, '.')) }));
          const out = await client.send(new PutRecordsCommand({ StreamName: 'many', Records: records }));
          expect(out.FailedRecordCount).toBe(0);
        }
      }
      expect(filesOpenUnder(server.child.pid as number, dir)).toBeLessThanOrEqual(32 + 2); // + the LOCK and a manifest being written
      for (const s of [0, 57, 119]) {
        const got = await readAll(client, 'many', `shardId-${String(s).padStart(12, '0')}`);
        expect(got.map((d) => d.split('-').slice(0, 2).join('-'))).toEqual([0, 1, 2].map((r) => `r${r}-s${s}`));
      }
      expect(filesOpenUnder(server.child.pid as number, dir)).toBeLessThanOrEqual(32 + 2);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('out of descriptors (EMFILE)', () => {
  it('holds writes while the process has no descriptor to spare, tells clients to retry, and writes again within 1 s of descriptors coming free', async () => {
    const dir = dataDir();
    const server = await startServer(['--data-dir', dir, '--no-throttle', '--workers', '1', '--segment-bytes', '4096'], { openFiles: 256 });
    const idle: net.Socket[] = [];
    try {
      // One kept-alive HTTP/1.1 connection, made before the descriptors run out (a new connection
      // then cannot be accepted; the SDK's default HTTP/2 client opens one per call).
      const client = new KinesisClient({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }) }) });
      await client.send(new CreateStreamCommand({ StreamName: 'fds', ShardCount: 1 }));
      const acked: string[] = [];
      const put = (n: number) =>
        client.send(new PutRecordCommand({ StreamName: 'fds', PartitionKey: 'k', Data: Buffer.from(`rec-${n}-`.padEnd(1000, '.')) })).then(
          () => void acked.push(`rec-${n}`),
          (e: Error) => `${e.name}: ${e.message}`,
        );
      for (let n = 0; n < 5; n++) expect(await put(n)).toBeUndefined();
      // Take every descriptor the server has left: connections, each served once and then kept
      // alive (a silent one would be closed after 10 s, a kept-alive one stays 120 s), until one is
      // not served.
      for (let i = 0; i < 600; i++) {
        const s = net.connect(server.port, '127.0.0.1');
        s.on('error', () => undefined);
        idle.push(s);
        const served = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 5000);
          s.once('connect', () => s.write('GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
          s.once('data', () => (clearTimeout(timer), resolve(true)));
          s.once('close', () => (clearTimeout(timer), resolve(false)));
        });
        if (!served) break;
      }
      // Records now need segment files the owner cannot open: it holds them and says so. (The
      // client's own new connections may be refused meanwhile: the process has no descriptor for them.)
      const messages: string[] = [];
      let n = 5;
      const holding = /shard owner 0 cannot write its shard logs \(EMFILE/;
      for (; n < 200 && !holding.test(server.stderr()); n++) {
        const failure = await put(n);
        if (failure !== undefined) messages.push(failure);
        if (failure !== undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(server.stderr()).toMatch(holding);
      expect(server.alive()).toBe(true);
      // The pages while there is no descriptor (reading RSS from /proc needs one): answered, over
      // connections already open, and the server stays up.
      for (const [i, path] of ['/stats', '/metrics', '/health'].entries()) {
        const s = idle[i] as net.Socket;
        const status = await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('no answer'), 5000);
          s.once('data', (d: Buffer) => (clearTimeout(timer), resolve(/^HTTP\/1\.1 (\d+)/.exec(d.toString())?.[1] ?? d.toString().slice(0, 40))));
          s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        });
        expect(['200', '503'], `${path}: ${status}`).toContain(status);
      }
      expect(server.alive()).toBe(true);
      // What clients were told names no path and gives no OS text.
      for (const m of messages) expect(m).not.toMatch(/riffle-faults|too many open files/);
      // Descriptors free again: the next write succeeds within a second.
      for (const s of idle) s.destroy();
      const freed = Date.now();
      let ok = false;
      while (!ok && Date.now() - freed < 5000) {
        ok = (await put(n++)) === undefined;
        if (!ok) await new Promise((r) => setTimeout(r, 20));
      }
      expect(ok).toBe(true);
      expect(Date.now() - freed).toBeLessThan(1000);
      // Every acknowledged record is there, once, in order.
      const stored = (await readAll(client, 'fds', 'shardId-000000000000')).map((d) => d.split('-').slice(0, 2).join('-'));
      expect(stored.filter((s) => acked.includes(s))).toEqual(acked);
      expect(new Set(stored).size).toBe(stored.length);
      // No path or OS text reached a client meanwhile.
      expect(server.stderr()).not.toMatch(/at .*\.js:\d+/); // no stack trace either
    } finally {
      for (const s of idle) s.destroy();
      await server.stop();
    }
  }, 60_000);
});

describe('a shard owner that dies', () => {
  const killOwner = (riffle: Riffle, owner: number) => (riffle.engine as unknown as { pool: OwnerPool }).pool.killOwner(owner);
  /** Waits (bounded) until a PutRecord to `shard` is stored again. */
  async function untilWritable(riffle: Riffle, stream: string, hashKey: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      try {
        await riffle.kinesis.putRecord({ StreamName: stream, PartitionKey: 'k', ExplicitHashKey: hashKey, Data: Buffer.from('probe') });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new Error('never writable again');
  }

  it('is replaced, and its durable shards are recovered from disk: every record is there, writes go on', async () => {
    const riffle = await Riffle.start({ dataDir: dataDir(), workers: 2, throttle: false });
    try {
      await riffle.kinesis.createStream({ StreamName: 'phoenix', ShardCount: 4 });
      const shards = riffle.engine.streams.get({ name: 'phoenix' }).shards;
      const before = await riffle.kinesis.putRecords({ StreamName: 'phoenix', Records: shards.map((_, i) => ({ PartitionKey: 'k', ExplicitHashKey: keyOf(i, 4), Data: Buffer.from(`before-${i}`) })) });
      expect(before.FailedRecordCount).toBe(0);
      const incoming = async () => Number(/^aws_kinesis_incoming_records_total\{stream_name="phoenix"\} (\d+)$/m.exec(await riffle.metrics.text())?.[1]);
      await killOwner(riffle, 0);
      await untilWritable(riffle, 'phoenix', keyOf(0, 4));
      // The replacement counts from zero in a table of its own; the metrics neither go back nor
      // lose what the dead owner counted (its table is read one last time), though no scrape came before it died.
      expect(await incoming()).toBe(5);
      for (const [i, shard] of shards.entries()) {
        const it = (await riffle.kinesis.getShardIterator({ StreamName: 'phoenix', ShardId: shard.shardId, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator as string;
        const records = (await riffle.kinesis.getRecords({ ShardIterator: it })).Records ?? [];
        expect(Buffer.from(records[0]?.Data as Uint8Array).toString()).toBe(`before-${i}`);
        // Counters go on above what was there.
        if (i === 0) expect(BigInt(records[1]?.SequenceNumber as string) > BigInt(records[0]?.SequenceNumber as string)).toBe(true);
      }
    } finally {
      await riffle.close();
    }
  });

  it('in memory: its shards answer an InternalFailure that says their records were lost, and the others go on', async () => {
    const riffle = await Riffle.start({ workers: 2, throttle: false });
    try {
      await riffle.kinesis.createStream({ StreamName: 'ephemeral', ShardCount: 2 });
      const [lost, kept] = riffle.engine.streams.get({ name: 'ephemeral' }).shards.map((s) => s);
      expect([lost?.owner, kept?.owner]).toEqual([0, 1]);
      await riffle.kinesis.putRecord({ StreamName: 'ephemeral', PartitionKey: 'k', ExplicitHashKey: keyOf(0, 2), Data: Buffer.from('gone') });
      await killOwner(riffle, 0);
      let error: Error | undefined;
      for (let i = 0; i < 200; i++) {
        error = await riffle.kinesis.putRecord({ StreamName: 'ephemeral', PartitionKey: 'k', ExplicitHashKey: keyOf(0, 2), Data: Buffer.from('x') }).then(() => undefined, (e: Error) => e);
        if (error?.message.includes('lost its records')) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(error?.name).toBe('InternalFailure');
      expect(error?.message).toBe(`Shard ${lost?.shardId} in stream ephemeral under account 000000000000 lost its records: the thread that held them in memory failed. Delete and re-create the stream (or run with --data-dir to keep records on disk).`);
      const it = (await riffle.kinesis.getShardIterator({ StreamName: 'ephemeral', ShardId: lost?.shardId as string, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator as string;
      await expect(riffle.kinesis.getRecords({ ShardIterator: it })).rejects.toThrow(/lost its records/);
      await riffle.kinesis.putRecord({ StreamName: 'ephemeral', PartitionKey: 'k', ExplicitHashKey: keyOf(1, 2), Data: Buffer.from('kept') });
      expect((await riffle.kinesis.listShards({ StreamName: 'ephemeral' })).Shards).toHaveLength(2);
    } finally {
      await riffle.close();
    }
  });
});

