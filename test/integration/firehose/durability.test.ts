// Firehose delivery across crashes, a failing sink and deletion, against the real server process:
// kill -9 while records are being put and while objects are being written (the restart on the same
// --data-dir delivers every acknowledged record at least once, and no object is ever seen
// truncated), an S3 endpoint that is down and comes back (records put meanwhile are delivered once
// it is back), and DeleteDeliveryStream discarding what is buffered.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  type FirehoseClient,
} from '@aws-sdk/client-firehose';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../harness.js';
import { bucketArn, firehoseClient, objectsIn, ROLE } from './helpers.js';

const MiB = 1024 * 1024;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DELIMITED = { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' as const }] };

const dirs: string[] = [];
const servers: RunningServer[] = [];
const clients: FirehoseClient[] = [];
function tempDir(what: string): string {
  const d = mkdtempSync(join(tmpdir(), `riffle-fhdur-${what}-`));
  dirs.push(d);
  return d;
}
async function serve(args: string[]): Promise<{ server: RunningServer; client: FirehoseClient }> {
  const server = await startServer(args);
  servers.push(server);
  const client = firehoseClient(server.port);
  clients.push(client);
  return { server, client };
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** SIGKILL, and wait until the process is gone. */
async function kill9(server: RunningServer): Promise<void> {
  if (!server.alive()) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await exited;
}

/** Polls `check` every `everyMs` until it returns a value, for at most `timeoutMs`; `explain` says what was missing. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 100, explain?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${explain === undefined ? '' : `: ${explain()}`}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every file under `root` whose name starts with `prefix` (Riffle's `.riffle-tmp-` files), relative to root. */
function filesNamed(root: string, prefix: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.startsWith(prefix)) out.push(relative(root, p));
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

/** The keys of the objects under <dir>/<bucket>/ (names only: cheap enough to poll). */
function objectKeys(dir: string, bucket: string): string[] {
  const root = join(dir, bucket);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name.startsWith('.riffle-')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

/**
 * AWS's default key for a delivery stream's object: `yyyy/MM/dd/HH/<name>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid><ext>`,
 * the prefix's hour the suffix's (both the oldest record's arrival, UTC).
 */
function expectAwsKey(key: string, name: string, ext: string): void {
  const m = new RegExp(`^(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/${name}-1-(\\d{4})-(\\d{2})-(\\d{2})-(\\d{2})-(\\d{2})-(\\d{2})-${UUID}${ext.replace('.', '\\.')}$`).exec(key);
  expect(m, key).not.toBeNull();
  expect(m!.slice(1, 5), key).toEqual(m!.slice(5, 9));
}

/**
 * Starts a process that watches `dir` (inotify) and SIGKILLs the server as soon as a `.riffle-tmp-`
 * file appears in it; true if it did so within `timeoutMs`.
 */
async function killAtNextTempFile(dir: string, server: RunningServer, timeoutMs: number): Promise<boolean> {
  const script = `
    const fs = require('node:fs');
    const [dir, pid] = process.argv.slice(1);
    fs.watch(dir, (_e, f) => {
      if (f && f.startsWith('.riffle-tmp-')) { try { process.kill(Number(pid), 'SIGKILL'); } catch {} process.stdout.write('killed ' + f + '\\n'); process.exit(0); }
    });
    process.stdout.write('watching\\n');
    setTimeout(() => process.exit(1), ${timeoutMs});`;
  const watcher = spawn(process.execPath, ['-e', script, dir, String(server.child.pid)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => watcher.once('exit', resolve));
  return code === 0 && out.includes('killed .riffle-tmp-');
}

/** What the puts were answered: per record number, acknowledged (a RecordId), refused (an ErrorCode), or no answer (the call failed). */
interface Ledger {
  acked: Set<number>;
  refused: Set<number>;
  unanswered: Set<number>;
  calls: number;
}

/**
 * `concurrency` loops putting PutRecordBatch calls of `batch` numbered records (0, 1, 2, ...) as fast
 * as the server answers, until `total` records or `deadlineMs`; a loop stops at its first failed call.
 */
async function putAsFastAsPossible(client: FirehoseClient, name: string, o: { from?: number; total: number; batch: number; concurrency: number; deadlineMs: number; record: (n: number) => Buffer }, ledger: Ledger): Promise<void> {
  const end = (o.from ?? 0) + o.total;
  let next = o.from ?? 0;
  const loop = async (): Promise<void> => {
    while (next < end && Date.now() < o.deadlineMs) {
      const first = next;
      const ns = Array.from({ length: Math.min(o.batch, end - first) }, (_, i) => first + i);
      next += ns.length;
      let out;
      try {
        out = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: ns.map((n) => ({ Data: o.record(n) })) }));
      } catch {
        for (const n of ns) ledger.unanswered.add(n);
        return;
      }
      ledger.calls++;
      const responses = out.RequestResponses ?? [];
      expect(responses).toHaveLength(ns.length);
      let failed = 0;
      responses.forEach((r, i) => {
        const n = ns[i] as number;
        if (r.RecordId !== undefined && r.ErrorCode === undefined) ledger.acked.add(n);
        else {
          failed++;
          ledger.refused.add(n);
          expect(['ServiceUnavailableException', 'InternalFailure']).toContain(r.ErrorCode);
        }
      });
      expect(out.FailedPutCount).toBe(failed);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
}

/**
 * Reads every object of the bucket as lines (`decode`: the object's container), each line a JSON
 * record {n}. Throws if an object does not decode or ends without its delimiter, or a line is not
 * a record: a truncated object would show as one of those.
 */
function deliveredRecords(s3Dir: string, bucket: string, decode: (b: Buffer) => Buffer): { keys: string[]; counts: Map<number, number> } {
  const counts = new Map<number, number>();
  const objects = objectsIn(s3Dir, bucket);
  for (const [key, raw] of objects) {
    let body: Buffer;
    try {
      body = decode(raw);
    } catch (err) {
      throw new Error(`object ${key} (${raw.length} bytes) does not decode: ${(err as Error).message}`);
    }
    if (body.length === 0 || body[body.length - 1] !== 0x0a) throw new Error(`object ${key} does not end with a newline: truncated`);
    for (const line of body.subarray(0, body.length - 1).toString('utf8').split('\n')) {
      let n: unknown;
      try {
        n = (JSON.parse(line) as { n?: unknown }).n;
      } catch {
        throw new Error(`object ${key} has a line that is not a record: ${JSON.stringify(line.slice(0, 80))}`);
      }
      if (typeof n !== 'number') throw new Error(`object ${key} has a line without its number: ${line.slice(0, 80)}`);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
  }
  return { keys: [...objects.keys()].sort(), counts };
}

function missingFrom(acked: Set<number>, counts: Map<number, number>): number[] {
  const missing: number[] = [];
  for (const n of acked) if (!counts.has(n)) missing.push(n);
  return missing.sort((a, b) => a - b);
}

/** Delivered records that nobody put with success or without an answer (refused or never sent). */
function unexpected(ledger: Ledger, counts: Map<number, number>): number[] {
  return [...counts.keys()].filter((n) => !ledger.acked.has(n) && !ledger.unanswered.has(n)).sort((a, b) => a - b);
}

function duplicates(counts: Map<number, number>): number {
  let d = 0;
  for (const c of counts.values()) d += c - 1;
  return d;
}

describe('Firehose durability (kill -9, a failing sink, deletion)', () => {
  it('delivers every acknowledged record after a kill -9 during ingest, in whole objects under AWS keys', async () => {
    const dataDir = tempDir('data');
    const s3Dir = tempDir('s3');
    const args = ['--data-dir', dataDir, '--s3-dir', s3Dir, '--no-throttle'];
    const name = 'crash-ingest';
    const bucket = 'crash-ingest';
    const first = await serve(args);
    await first.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn(bucket), CompressionFormat: 'UNCOMPRESSED', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 1 }, ProcessingConfiguration: DELIMITED },
      }),
    );
    const pad = 'x'.repeat(150);
    const record = (n: number): Buffer => Buffer.from(JSON.stringify({ n, pad }));
    const ledger: Ledger = { acked: new Set(), refused: new Set(), unanswered: new Set(), calls: 0 };
    const started = Date.now();
    const putting = putAsFastAsPossible(first.client, name, { total: 2_000_000, batch: 500, concurrency: 4, deadlineMs: started + 20_000, record }, ledger);
    // Kill once delivery is under way (an object is out) and plenty is acknowledged, while the loops still put.
    await until('50,000 records acknowledged and an object delivered', () => ledger.acked.size >= 50_000 && objectKeys(s3Dir, bucket).length > 0, 15_000, 5);
    await kill9(first.server);
    const killedAt = { acked: ledger.acked.size, objects: objectKeys(s3Dir, bucket).length };
    await putting;
    expect(ledger.unanswered.size, 'calls in flight at the kill get no answer').toBeGreaterThan(0);
    expect(ledger.acked.size + ledger.refused.size + ledger.unanswered.size).toBeLessThan(2_000_000); // the kill, not the bound, ended the loops

    const second = await serve(args);
    const described = await second.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
    expect(described.DeliveryStreamDescription?.DeliveryStreamStatus).toBe('ACTIVE');
    let delivered = deliveredRecords(s3Dir, bucket, (b) => b);
    await until(
      `all ${ledger.acked.size} acknowledged records delivered`,
      () => missingFrom(ledger.acked, (delivered = deliveredRecords(s3Dir, bucket, (b) => b)).counts).length === 0,
      20_000,
      200,
      () => `missing ${missingFrom(ledger.acked, delivered.counts).length}, e.g. ${missingFrom(ledger.acked, delivered.counts).slice(0, 5).join(', ')}`,
    );
    expect(unexpected(ledger, delivered.counts), 'delivered records that were refused or never sent').toEqual([]);
    for (const key of delivered.keys) expectAwsKey(key, name, '');

    // The recovered stream takes records and delivers them too.
    const after = Buffer.from(JSON.stringify({ n: -1, pad: 'after the restart' }));
    expect((await second.client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: after } }))).RecordId).toMatch(/^[A-Za-z0-9+/]{24}$/);
    await until('the record put after the restart delivered', () => deliveredRecords(s3Dir, bucket, (b) => b).counts.get(-1) === 1, 10_000, 100);
    console.info(
      `kill -9 during ingest: ${ledger.acked.size} acknowledged in ${ledger.calls} calls (${killedAt.acked} and ${killedAt.objects} objects at the kill), ${ledger.unanswered.size} unanswered, ${ledger.refused.size} refused; ` +
        `${delivered.keys.length} objects after the restart, ${duplicates(delivered.counts)} duplicates; ${Date.now() - started} ms`,
    );
  }, 60_000);

  it('delivers every acknowledged record after a kill -9 while GZIP objects are being written; temp files are never objects', async () => {
    const dataDir = tempDir('data');
    const s3Dir = tempDir('s3');
    const args = ['--data-dir', dataDir, '--s3-dir', s3Dir, '--no-throttle'];
    const name = 'crash-delivery';
    const bucket = 'crash-delivery';
    // ~1 KB records of random hex: they compress to about half, so each 2 MiB object is ~1 MiB of gzip to write and fsync.
    const record = (n: number): Buffer => Buffer.from(JSON.stringify({ n, pad: randomBytes(480).toString('hex') }));
    const ledger: Ledger = { acked: new Set(), refused: new Set(), unanswered: new Set(), calls: 0 };
    const started = Date.now();
    // Each round: a server on the same directories puts records and is killed the moment a temp file
    // appears beside the objects (an object being written), by a watcher process with an event loop
    // of its own (this one is busy putting). The kill can still land just after the rename; rounds
    // go on until one leaves a temp file, so the test always crashes mid-write at least once.
    let tempsAfterKill: string[] = [];
    let objectsAtKill: string[] = [];
    let rounds = 0;
    while (tempsAfterKill.length === 0 && rounds < 5) {
      rounds++;
      const s = await serve(args);
      if (rounds === 1) {
        await s.client.send(
          new CreateDeliveryStreamCommand({
            DeliveryStreamName: name,
            ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn(bucket), CompressionFormat: 'GZIP', BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 1 }, ProcessingConfiguration: DELIMITED },
          }),
        );
      }
      const before = objectKeys(s3Dir, bucket).length;
      const putting = putAsFastAsPossible(s.client, name, { from: rounds * 1_000_000, total: 200_000, batch: 500, concurrency: 3, deadlineMs: Date.now() + 15_000, record }, ledger);
      const newest = await until('an object from this round', () => objectKeys(s3Dir, bucket).length > before && objectKeys(s3Dir, bucket).at(-1), 15_000, 5);
      const caught = await killAtNextTempFile(dirname(join(s3Dir, bucket, newest)), s.server, 15_000);
      await kill9(s.server);
      await putting;
      expect(caught, 'a temp file appeared beside the objects within 15 s').toBe(true);
      tempsAfterKill = filesNamed(s3Dir, '.riffle-tmp-');
      objectsAtKill = objectKeys(s3Dir, bucket);
      // What the crash left: every final name is a whole object with its metadata sidecar.
      expect(deliveredRecords(s3Dir, bucket, gunzipSync).keys).toEqual(objectsAtKill);
      for (const key of objectsAtKill) {
        const meta = join(s3Dir, bucket, dirname(key), '.riffle-meta', key.slice(key.lastIndexOf('/') + 1));
        expect(JSON.parse(readFileSync(meta, 'utf8')), meta).toEqual({ contentType: 'application/octet-stream', contentEncoding: 'gzip' });
      }
    }
    expect(tempsAfterKill.length, `a kill left a temp file in ${rounds} rounds`).toBeGreaterThan(0);

    const second = await serve(args);
    let delivered = deliveredRecords(s3Dir, bucket, gunzipSync);
    await until(
      `all ${ledger.acked.size} acknowledged records delivered`,
      () => missingFrom(ledger.acked, (delivered = deliveredRecords(s3Dir, bucket, gunzipSync)).counts).length === 0,
      30_000,
      250,
      () => `missing ${missingFrom(ledger.acked, delivered.counts).length}, e.g. ${missingFrom(ledger.acked, delivered.counts).slice(0, 5).join(', ')}`,
    );
    expect(unexpected(ledger, delivered.counts), 'delivered records that were refused or never sent').toEqual([]);
    for (const key of delivered.keys) {
      expectAwsKey(key, name, '.gz');
      expect(key).not.toContain('.riffle-');
    }
    // Objects written before the kill are still there, unchanged in name: delivery went on from its checkpoint.
    for (const key of objectsAtKill) expect(delivered.keys).toContain(key);
    // The restart sweeps what the kill left of the object being written.
    const leftBehind = await until('the temp files swept', () => {
      const left = filesNamed(s3Dir, '.riffle-tmp-').filter((t) => tempsAfterKill.includes(t));
      return left.length === 0 ? left : undefined;
    }, 10_000);
    expect(second.server.alive()).toBe(true);
    console.info(
      `kill -9 during delivery: ${rounds} round(s); ${ledger.acked.size} acknowledged, ${ledger.unanswered.size} unanswered; ${objectsAtKill.length} objects at the last kill, ${delivered.keys.length} after the restart, ` +
        `${duplicates(delivered.counts)} duplicates; temp files after the kill: ${tempsAfterKill.length} (${tempsAfterKill.join(', ')}), still there after the restart: ${leftBehind.length}; ${Date.now() - started} ms`,
    );
  }, 60_000);

  it('keeps records put while the S3 endpoint is down and delivers them once it is back on the same port', async () => {
    const s3Files = tempDir('s3rver');
    const bucket = 'fh-recover';
    const s3rver = (port: number): S3rver => new S3rver({ address: '127.0.0.1', port, silent: true, directory: s3Files, configureBuckets: [{ name: bucket }] });
    // A free port of s3rver's own choosing; then it stops, before Riffle ever reaches it.
    let up = s3rver(0);
    const { port } = (await up.run()) as AddressInfo;
    await up.close();
    const endpoint = `http://127.0.0.1:${port}`;
    const reader = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });

    // The server's S3 client takes its credentials from the environment it is started with (s3rver checks signatures).
    const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const setEnv = (values: Record<string, string | undefined>): void => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    setEnv(env);
    let riffle: Awaited<ReturnType<typeof serve>>;
    try {
      riffle = await serve(['--s3-endpoint', endpoint, '--s3-region', 'us-east-1']);
    } finally {
      setEnv(saved);
    }
    const { server, client } = riffle;
    try {
      const name = 'recover';
      await client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn(bucket), BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 }, ProcessingConfiguration: DELIMITED },
        }),
      );
      const lines = Array.from({ length: 200 }, (_, i) => `down-${i}`);
      const batch = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: lines.slice(0, 150).map((l) => ({ Data: Buffer.from(l) })) }));
      expect(batch.FailedPutCount).toBe(0);
      expect(batch.RequestResponses?.every((r) => /^[A-Za-z0-9+/]{24}$/.test(r.RecordId ?? ''))).toBe(true);
      const retrying = new RegExp(`cannot store s3://${bucket}/\\d{4}/\\d{2}/\\d{2}/\\d{2}/${name}-1-\\d{4}(-\\d{2}){5}-${UUID} \\(.*ECONNREFUSED.*\\); retrying every 5 s`);
      await until('the server to say it is retrying', () => retrying.test(server.stderr()), 15_000, 50, () => server.stderr());
      // More records while the first object waits: they are acknowledged and wait behind it.
      for (const l of lines.slice(150)) {
        expect((await client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: Buffer.from(l) } }))).RecordId).toMatch(/^[A-Za-z0-9+/]{24}$/);
      }
      const listed = async (): Promise<string[]> => ((await reader.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key as string);

      up = s3rver(port);
      await up.run();
      const back = Date.now();
      const got = new Map<string, { body: string; type?: string | undefined; encoding?: string | undefined }>();
      const deadline = back + 15_000;
      while (Date.now() < deadline) {
        for (const key of await listed()) {
          if (got.has(key)) continue;
          const o = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          got.set(key, { body: await (o.Body as { transformToString(): Promise<string> }).transformToString(), type: o.ContentType, encoding: o.ContentEncoding });
        }
        if ([...got.values()].reduce((n, o) => n + o.body.split('\n').length - 1, 0) >= lines.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const tookMs = Date.now() - back;
      expect(tookMs, 'delivered within 15 s of the endpoint coming back').toBeLessThan(15_000);
      const bodies = [...got.values()].map((o) => o.body);
      for (const b of bodies) expect(lines.join('\n') + '\n').toContain(b); // each object a run of the records, in order
      expect(bodies.join('').split('\n').filter((l) => l !== '').sort()).toEqual([...lines].sort());
      for (const [key, o] of got) {
        expectAwsKey(key, name, '');
        expect({ type: o.type, encoding: o.encoding }).toEqual({ type: 'application/octet-stream', encoding: undefined });
      }
      expect(server.alive()).toBe(true);
      console.info(`failing sink: ${got.size} objects delivered ${tookMs} ms after S3 came back`);
    } finally {
      reader.destroy();
      await up.close().catch(() => undefined);
    }
  }, 60_000);

  it('discards what a deleted delivery stream buffered, on disk too; the same name created again starts empty', async () => {
    const dataDir = tempDir('data');
    const s3Dir = tempDir('s3');
    const args = ['--data-dir', dataDir, '--s3-dir', s3Dir];
    const name = 'doomed';
    const bucket = 'doomed';
    const config = (interval: number): CreateDeliveryStreamCommand =>
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn(bucket), BufferingHints: { SizeInMBs: interval === 0 ? 1 : 128, IntervalInSeconds: interval }, ProcessingConfiguration: DELIMITED },
      });
    const first = await serve(args);
    await first.client.send(config(900));
    const createdBefore = (await first.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription?.CreateTimestamp;
    const old = Array.from({ length: 300 }, (_, i) => `old-${i}`);
    const out = await first.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: old.map((l) => ({ Data: Buffer.from(l) })) }));
    expect(out.FailedPutCount).toBe(0);
    const streamDirs = (): string[] => readdirSync(join(dataDir, 'firehose')).filter((d) => d.startsWith(`${name}.`));
    expect(streamDirs()).toHaveLength(1); // <name>.<creation ms>: its internal log and checkpoint

    await first.client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name }));
    await until(
      'the delivery stream gone from ListDeliveryStreams',
      async () => !((await first.client.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames ?? []).includes(name),
      10_000,
    );
    await expect(first.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await until('its log and checkpoint removed from the data directory', () => streamDirs().length === 0, 10_000, 50, () => streamDirs().join(', '));
    await first.server.stop();

    // After a restart it is still gone, and the same name created again delivers only its own records.
    const second = await serve(args);
    expect((await second.client.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual([]);
    await second.client.send(config(0));
    const d = (await second.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription;
    expect(d?.VersionId).toBe('1');
    expect(d?.CreateTimestamp?.getTime()).toBeGreaterThan(createdBefore?.getTime() ?? Infinity);
    const fresh = Array.from({ length: 20 }, (_, i) => `new-${i}`);
    expect((await second.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: fresh.map((l) => ({ Data: Buffer.from(l) })) }))).FailedPutCount).toBe(0);
    const lines = (): string[] => [...objectsIn(s3Dir, bucket).values()].flatMap((b) => b.toString().split('\n').filter((l) => l !== ''));
    await until('the new records delivered', () => lines().length >= fresh.length, 10_000, 50);
    expect(lines().sort()).toEqual([...fresh].sort());
    for (const key of objectsIn(s3Dir, bucket).keys()) expectAwsKey(key, name, '');
  }, 60_000);

  it('finishes a deletion that a kill -9 interrupted: gone after the restart, its buffered records and files too', async () => {
    const dataDir = tempDir('data');
    const s3Dir = tempDir('s3');
    const name = 'half-deleted';
    const first = await serve(['--data-dir', dataDir, '--s3-dir', s3Dir, '--delete-stream-ms', '60000']);
    await first.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn(name), BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 }, ProcessingConfiguration: DELIMITED },
      }),
    );
    expect((await first.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: Buffer.from('buffered') }] }))).FailedPutCount).toBe(0);
    await first.client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name }));
    const deleting = (await first.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription;
    expect(deleting?.DeliveryStreamStatus).toBe('DELETING');
    // "Sending data to a stream that is not ACTIVE raises an exception."
    await expect(first.client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: Buffer.from('late') } }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const streamDirs = (): string[] => readdirSync(join(dataDir, 'firehose')).filter((d) => d.startsWith(`${name}.`));
    expect(streamDirs()).toHaveLength(1);
    await kill9(first.server);

    const second = await serve(['--data-dir', dataDir, '--s3-dir', s3Dir]);
    expect((await second.client.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual([]);
    await expect(second.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await until('its log and checkpoint removed from the data directory', () => streamDirs().length === 0, 10_000, 50, () => streamDirs().join(', '));
    expect(objectKeys(s3Dir, name)).toEqual([]);
  }, 30_000);
});
