import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AddTagsToStreamCommand, CreateStreamCommand, DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand, PutRecordCommand, ListTagsForStreamCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { h2Client, startServer, type RunningServer } from './harness.js';
import { needTool, TMPFS_MOUNT } from './tools.js';

// Durable logs (--data-dir): the server process is killed with SIGKILL in the middle of sustained
// ingest through the AWS SDK, and restarted on the same directory.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Acked {
  key: string;
  data: string;
  shardId: string;
}

async function readShard(client: KinesisClient, stream: string, shardId: string): Promise<Array<{ seq: string; key: string; data: string }>> {
  let it = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: Array<{ seq: string; key: string; data: string }> = [];
  for (;;) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: it }));
    for (const r of page.Records ?? []) out.push({ seq: r.SequenceNumber as string, key: r.PartitionKey as string, data: Buffer.from(r.Data as Uint8Array).toString() });
    if ((page.Records ?? []).length === 0) return out;
    it = page.NextShardIterator;
  }
}

function segmentsOf(dir: string, stream: string, shard: number): string[] {
  const streamDir = readdirSync(join(dir, 'streams')).find((d) => d.startsWith(`${stream}.`)) as string;
  const shardDir = join(dir, 'streams', streamDir, `shard-${shard}`);
  return readdirSync(shardDir)
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => join(shardDir, f));
}

async function fill(server: RunningServer, stream: string, count: number, from = 0): Promise<string[]> {
  const client = h2Client(server.port);
  const seqs: string[] = [];
  for (let n = from; n < from + count; n += 50) {
    const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`rec-${n + i}-`.padEnd(60, 'x')) })) }));
    for (const r of out.Records ?? []) seqs.push(r.SequenceNumber as string);
  }
  return seqs;
}

describe('durability: damaged segment files', () => {
  it('cuts a torn or corrupt tail back to the last good record at start, says so, and goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-tail-'));
    dirs.push(dir);
    let server = await startServer(['--data-dir', dir, '--segment-bytes', '4096']);
    await h2Client(server.port).send(new CreateStreamCommand({ StreamName: 'tail', ShardCount: 1 }));
    const seqs = await fill(server, 'tail', 200);
    await server.stop();
    const files = segmentsOf(dir, 'tail', 0);
    expect(files.length).toBeGreaterThan(3);
    const newest = files.at(-1) as string;
    // The last record loses its final 5 bytes, and a byte of the one before it is flipped.
    const bytes = readFileSync(newest);
    const cut = bytes.subarray(0, bytes.length - 5);
    const recordBytes = 8 + 18 + 1 + 60;
    cut[cut.length - recordBytes] ^= 0x40;
    writeFileSync(newest, cut);
    server = await startServer(['--data-dir', dir, '--segment-bytes', '4096']);
    try {
      const report = server.stdout();
      expect(report).toMatch(/riffle: recovered tail shardId-000000000000: 198 record\(s\), next counter 199; segment \d+\.seg: truncated \d+ byte\(s\) after the last good record \(record at byte \d+ fails its CRC-32C\)/);
      const client = h2Client(server.port);
      const got = await readShard(client, 'tail', 'shardId-000000000000');
      expect(got.map((r) => r.seq)).toEqual(seqs.slice(0, 198));
      expect(got.map((r) => r.data)).toEqual(Array.from({ length: 198 }, (_, i) => `rec-${i}-`.padEnd(60, 'x')));
      const more = await fill(server, 'tail', 50, 1000);
      expect(more[0]).toBe(seqs[198]); // counters continue from the last good record
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('fails reads that reach damage in an older segment, says where, and serves and accepts everything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-mid-'));
    dirs.push(dir);
    let server = await startServer(['--data-dir', dir, '--segment-bytes', '4096']);
    await h2Client(server.port).send(new CreateStreamCommand({ StreamName: 'mid', ShardCount: 1 }));
    await h2Client(server.port).send(new CreateStreamCommand({ StreamName: 'fine', ShardCount: 1 }));
    const seqs = await fill(server, 'mid', 200);
    const fineSeqs = await fill(server, 'fine', 50);
    await server.stop();
    const files = segmentsOf(dir, 'mid', 0);
    const older = files[1] as string;
    const bytes = readFileSync(older);
    bytes[100] ^= 0x01;
    writeFileSync(older, bytes);
    // Sealed segments are not scanned at start (their index files vouch for them); a missing index is rebuilt.
    rmSync((files[2] as string).replace(/\.seg$/, '.idx'));
    server = await startServer(['--data-dir', dir, '--segment-bytes', '4096']);
    try {
      expect(server.stdout()).toMatch(/riffle: recovered mid shardId-000000000000: 200 record\(s\), next counter 201; segment \d+\.seg: rebuilt its index \(no index file\)/);
      const client = h2Client(server.port);
      const firstOfOlder = Number(/(\d+)\.seg$/.exec(older)?.[1]);
      const it = (await client.send(new GetShardIteratorCommand({ StreamName: 'mid', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      const page = await client.send(new GetRecordsCommand({ ShardIterator: it }));
      // Records are counted from 1 (counter 0 is the shard's starting sequence number): seqs[c - 1] has counter c.
      expect(page.Records?.map((r) => r.SequenceNumber)).toEqual(seqs.slice(0, firstOfOlder - 1)); // up to the damage
      await expect(client.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator }))).rejects.toMatchObject({ name: 'InternalFailure' });
      // The server's stderr reaches this process through a pipe, maybe after the response: wait for it.
      for (let i = 0; i < 100 && !server.stderr().includes('reads that reach it'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(server.stderr()).toMatch(/riffle: shard log \S+shard-0: segment \d+\.seg: record at byte 16 fails its CRC-32C; reads that reach it fail with InternalFailure/);
      // Past the damaged segment, reads work; writes go on with new counters.
      const firstOfNext = Number(/(\d+)\.seg$/.exec(files[2] as string)?.[1]);
      const past = (await client.send(new GetShardIteratorCommand({ StreamName: 'mid', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: seqs[firstOfNext - 1] }))).ShardIterator;
      const rest = await client.send(new GetRecordsCommand({ ShardIterator: past }));
      expect(rest.Records?.map((r) => r.SequenceNumber)).toEqual(seqs.slice(firstOfNext - 1));
      expect(rest.Records?.map((r) => Buffer.from(r.Data as Uint8Array).toString())).toEqual(Array.from({ length: 201 - firstOfNext }, (_, i) => `rec-${firstOfNext - 1 + i}-`.padEnd(60, 'x')));
      const more = await fill(server, 'mid', 50, 1000);
      expect(more).toHaveLength(50);
      expect(BigInt(more[0] as string) > BigInt(seqs[199] as string)).toBe(true);
      expect((await readShard(client, 'fine', 'shardId-000000000000')).map((r) => r.seq)).toEqual(fineSeqs);
      expect(server.alive()).toBe(true);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

/** A tmpfs of `size` at a fresh mount point, or null where this process may not mount (not root). */
function tinyDisk(size: string): { dir: string; resize(to: string): void; unmount(): void } | null {
  const dir = mkdtempSync(join(tmpdir(), 'riffle-fullfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    resize: (to) => execFileSync('mount', ['-o', `remount,size=${to}`, dir], { stdio: 'ignore' }),
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
const mount = await needTool(TMPFS_MOUNT, { tests: 'the full-disk test' });

describe('durability: a full disk', () => {
  it.runIf(mount)('holds writes while the disk is full (retryable failures, never a false ack), resumes once there is room, and keeps every ack', async () => {
    const disk = tinyDisk('1m') as NonNullable<ReturnType<typeof tinyDisk>>;
    try {
      let server = await startServer(['--data-dir', disk.dir, '--no-throttle']);
      const client = h2Client(server.port);
      await client.send(new CreateStreamCommand({ StreamName: 'full', ShardCount: 1 }));
      const acked = new Map<string, string>();
      const put = async (n: number): Promise<string | undefined> => {
        const records = Array.from({ length: 20 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`full-${n}-${i}-`.padEnd(400, 'z')) }));
        try {
          const out = await client.send(new PutRecordsCommand({ StreamName: 'full', Records: records }));
          let failed: string | undefined;
          out.Records?.forEach((r, i) => {
            if (r.SequenceNumber !== undefined) acked.set(r.SequenceNumber, (records[i] as { Data: Buffer }).Data.toString());
            else failed ??= r.ErrorCode;
          });
          return failed;
        } catch (err) {
          return (err as Error).name;
        }
      };
      let failedWith: string | undefined;
      let n = 0;
      for (; n < 200 && failedWith === undefined; n++) failedWith = await put(n);
      // The owner holds the records it cannot write, and acknowledges none: PutRecords reports each
      // as InternalFailure (the only failure its entries have besides throttling), PutRecord fails
      // with it (500, retryable).
      expect(failedWith).toBe('InternalFailure');
      expect(acked.size).toBeGreaterThan(100);
      expect(server.alive()).toBe(true);
      // The server's stderr reaches this process through a pipe, maybe after the response: wait for it.
      for (let i = 0; i < 100 && !server.stderr().includes('ENOSPC'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(server.stderr()).toMatch(/shard owner \d+ cannot write its shard logs \(ENOSPC/);
      expect(await put(n++)).toBe('InternalFailure');
      const single = await client.send(new PutRecordCommand({ StreamName: 'full', PartitionKey: 'k', Data: Buffer.from('one') })).then(() => 'stored', (e: Error & { $metadata?: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata?.httpStatusCode}`);
      expect(single).toBe('InternalFailure 500');
      // Room again: the owner writes what it held and takes new records, without a restart.
      disk.resize('16m');
      let resumed: string | undefined = 'not yet';
      for (let i = 0; i < 100 && resumed !== undefined; i++) {
        resumed = await put(n++);
        if (resumed !== undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(resumed).toBeUndefined();
      for (let i = 0; i < 100 && !server.stderr().includes('writes again'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(server.stderr()).toMatch(/shard owner \d+ writes again after \d+ ms/);
      const live = new Map((await readShard(client, 'full', 'shardId-000000000000')).map((r) => [r.seq, r.data]));
      for (const [seq, data] of acked) expect(live.get(seq)).toBe(data);
      await server.stop();
      // And across a restart.
      server = await startServer(['--data-dir', disk.dir, '--no-throttle']);
      try {
        const stored = await readShard(h2Client(server.port), 'full', 'shardId-000000000000');
        const bySeq = new Map(stored.map((r) => [r.seq, r.data]));
        for (const [seq, data] of acked) expect(bySeq.get(seq)).toBe(data);
        // Records held while the disk was full and stored once it had room may be there unacknowledged
        // (their callers were told to retry); none is there twice.
        expect(new Set(stored.map((r) => r.seq)).size).toBe(stored.length);
      } finally {
        await server.stop();
      }
    } finally {
      disk.unmount();
    }
  }, 60_000);
});

describe('durability: a full disk, freed by deleting a stream', () => {
  it.runIf(mount)('lets DeleteStream make room while the owner holds, and the owner writes again without failing', async () => {
    const disk = tinyDisk('1m') as NonNullable<ReturnType<typeof tinyDisk>>;
    try {
      const server = await startServer(['--data-dir', disk.dir, '--no-throttle', '--workers', '1']);
      try {
        const client = h2Client(server.port);
        await client.send(new CreateStreamCommand({ StreamName: 'big', ShardCount: 1 }));
        await client.send(new CreateStreamCommand({ StreamName: 'small', ShardCount: 1 }));
        let full = false;
        for (let n = 0; n < 300 && !full; n++) {
          const records = Array.from({ length: 20 }, () => ({ PartitionKey: 'k', Data: Buffer.alloc(400, 'b') }));
          const out = await client.send(new PutRecordsCommand({ StreamName: 'big', Records: records })).catch(() => ({ FailedRecordCount: 1 }));
          full = (out.FailedRecordCount ?? 0) > 0;
        }
        expect(full).toBe(true);
        await client.send(new DeleteStreamCommand({ StreamName: 'big' }));
        let stored = false;
        for (let i = 0; i < 200 && !stored; i++) {
          stored = await client.send(new PutRecordCommand({ StreamName: 'small', PartitionKey: 'k', Data: Buffer.from('room again') })).then(() => true, () => false);
          if (!stored) await new Promise((r) => setTimeout(r, 25));
        }
        expect(stored).toBe(true);
        expect((await readShard(client, 'small', 'shardId-000000000000')).map((r) => r.data)).toContain('room again');
        // The owner held, then wrote again: it never failed (no replacement was needed).
        expect(server.stderr()).not.toMatch(/shard owner failed|replaced/);
        expect(server.alive()).toBe(true);
      } finally {
        await server.stop();
      }
    } finally {
      disk.unmount();
    }
  }, 60_000);
});

describe('durability: the stream manifest', () => {
  it('survives SIGKILL during a run of metadata changes: every acknowledged change is there, the file is whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-manifest-'));
    dirs.push(dir);
    let server = await startServer(['--data-dir', dir]);
    const client = h2Client(server.port);
    const created: string[] = [];
    const tagged = new Map<string, string>();
    const killed = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
    try {
      for (let i = 0; i < 10_000; i++) {
        const name = `m-${i}`;
        await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
        created.push(name);
        // The kill lands at a moment of its own during the changes, once a few are acknowledged
        // (a fixed delay from the start raced a loaded machine's start-up).
        if (created.length === 4) setTimeout(() => server.child.kill('SIGKILL'), 100 + Math.floor(Math.random() * 300));
        await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { n: String(i) } }));
        tagged.set(name, String(i));
      }
    } catch {
      // the server died between two changes, or during one
    }
    await killed;
    expect(created.length).toBeGreaterThan(3);
    server = await startServer(['--data-dir', dir]);
    try {
      JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')); // whole, never torn
      const names = new Set<string>();
      const client2 = h2Client(server.port);
      let token: string | undefined;
      do {
        const page = await client2.send(new ListStreamsCommand(token === undefined ? { Limit: 100 } : { NextToken: token }));
        for (const s of page.StreamSummaries ?? []) names.add(s.StreamName as string);
        token = page.NextToken;
      } while (token !== undefined);
      for (const name of created) expect(names.has(name)).toBe(true);
      expect(names.size - created.length).toBeLessThanOrEqual(1); // at most the one being created
      for (const [name, n] of tagged) {
        const tags = await client2.send(new ListTagsForStreamCommand({ StreamName: name }));
        expect(tags.Tags).toEqual([{ Key: 'n', Value: n }]);
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('durability (--data-dir)', () => {
  it('keeps every acknowledged record, once and in order, across SIGKILLs at random moments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-crash-'));
    dirs.push(dir);
    const stream = 'crash';
    const shardIds = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];
    const acked = new Map<string, Acked>(); // sequence number → what was acknowledged for it
    let seed = 4242;
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // Small segment files and a minimal hot tail: kills land during segment rolls and index writes,
    // and the check afterwards reads almost everything from disk through the sparse indexes.
    const args = ['--data-dir', dir, '--no-throttle', '--segment-bytes', '65536', '--hot-bytes', '4096'];
    let server: RunningServer = await startServer(args);
    await h2Client(server.port).send(new CreateStreamCommand({ StreamName: stream, ShardCount: 3 }));
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const client = h2Client(server.port);
      const killAfterMs = 150 + Math.floor(rand() * 500);
      const killed = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
      const timer = setTimeout(() => server.child.kill('SIGKILL'), killAfterMs);
      let sent = 0;
      await Promise.all(
        Array.from({ length: 4 }, async (_, loop) => {
          for (let n = 0; ; n++) {
            const records = Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `k${(loop * 7 + i) % 13}`, Data: Buffer.from(`r${round}-l${loop}-n${n}-i${i}`) }));
            let out;
            try {
              out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
            } catch {
              return; // the server is gone: this batch's fate is unknown, and it was not acknowledged
            }
            sent++;
            out.Records?.forEach((r, i) => {
              if (r.SequenceNumber === undefined) return;
              const rec = records[i] as { PartitionKey: string; Data: Buffer };
              acked.set(r.SequenceNumber, { key: rec.PartitionKey, data: rec.Data.toString(), shardId: r.ShardId as string });
            });
          }
        }),
      );
      clearTimeout(timer);
      await killed;
      expect(sent).toBeGreaterThan(0);
      server = await startServer(args);
    }
    try {
      const client = h2Client(server.port);
      const stored = new Map<string, { key: string; data: string; shardId: string }>();
      const seenData = new Set<string>();
      for (const shardId of shardIds) {
        const records = await readShard(client, stream, shardId);
        // In order: strictly increasing sequence numbers (they are fixed-width decimal strings).
        for (let i = 1; i < records.length; i++) expect((records[i] as { seq: string }).seq > (records[i - 1] as { seq: string }).seq).toBe(true);
        for (const r of records) {
          expect(seenData.has(r.data)).toBe(false); // each record stored at most once
          seenData.add(r.data);
          stored.set(r.seq, { key: r.key, data: r.data, shardId });
        }
      }
      expect(acked.size).toBeGreaterThan(500);
      expect(Math.max(...[0, 1, 2].map((n) => segmentsOf(dir, stream, n).length))).toBeGreaterThan(2);
      for (const [seq, a] of acked) expect(stored.get(seq)).toEqual(a);
      // New writes continue above every number issued before the crashes.
      const last = [...stored.keys()].sort().at(-1) as string;
      const after = await client.send(new PutRecordsCommand({ StreamName: stream, Records: shardIds.map((_, i) => ({ PartitionKey: `after-${i}`, Data: Buffer.from('after') })) }));
      for (const r of after.Records ?? []) {
        const sameShard = [...stored.entries()].filter(([, v]) => v.shardId === r.ShardId).map(([s]) => s).sort().at(-1) ?? '';
        expect((r.SequenceNumber as string) > sameShard).toBe(true);
      }
      expect(last.length).toBe(44);
    } finally {
      await server.stop();
    }
  }, 90_000);
});
