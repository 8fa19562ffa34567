import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { startServer } from './harness.js';

const run = promisify(execFile);

// The benchmark runs at a tiny size in every test run, so it never rots.
it('riffle bench (bench/put-records.mjs) runs end to end and writes its JSON', async () => {
  const out = join(tmpdir(), `riffle-bench-${process.pid}.json`);
  await run(process.execPath, ['dist/cli/main.js', 'bench', '--seconds', '0.3', '--concurrency', '2', '--batch', '20', '--out', out], { timeout: 60_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ engine: string; accepted: number; errors: number; failed: number; bytes: number; offeredRecordsPerSec: number | null; megabytesPerSec: number; durable?: boolean }> };
  expect(report.results.map((r) => r.engine)).toEqual(['riffle', 'riffle', 'riffle', 'riffle', 'riffle', 'riffle', 'riffle', 'riffle', 'riffle', 'riffle', 'riffle', 'kinesalite', 'kinesalite']);
  for (const r of report.results) {
    expect(r.errors).toBe(0);
    expect(r.failed).toBe(0);
    expect(r.accepted).toBeGreaterThan(0);
    expect(r.megabytesPerSec).toBeGreaterThan(0);
  }
  expect(report.results.map((r) => r.bytes)).toEqual([100, 100, 100, 100, 100, 100, 1024, 100, 100, 100, 100, 100, 100]);
  // The durable row is compared with the in-memory one, and its recovery timed.
  expect(report.results[8]).toMatchObject({ durable: true, ratioVsInMemory: expect.any(Number), recoveredBytes: expect.any(Number), recoveryMs: expect.any(Number) });
  expect((report.results[8] as unknown as { recoveredBytes: number }).recoveredBytes).toBeGreaterThan(0);
  // The paced row offers half of what the saturated WebSocket row reached.
  expect(report.results[5]?.offeredRecordsPerSec).toBeGreaterThan(0);
}, 90_000);

it('bench/fanout.mjs pushes every record to every consumer exactly once, in well-formed frames, in both rows', async () => {
  const out = join(tmpdir(), `riffle-fanout-${process.pid}.json`);
  await run(process.execPath, ['bench/fanout.mjs', '--seconds', '1.5', '--consumers', '8', '--out', out], { timeout: 120_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    results: Array<{ ingestRecordsPerSec: number; pushMegabytesPerSec: number; exactlyOnceInOrder: boolean; perConsumer: Array<{ records: number; malformed: number }> }>;
  };
  expect(report.results).toHaveLength(2);
  for (const r of report.results) {
    expect(r.perConsumer).toHaveLength(8);
    for (const c of r.perConsumer) expect(c).toMatchObject({ malformed: 0 });
    expect(r.exactlyOnceInOrder).toBe(true);
    expect(r.ingestRecordsPerSec).toBeGreaterThan(0);
    expect(r.pushMegabytesPerSec).toBeGreaterThan(0);
  }
}, 150_000);

it('riffle bench recovery (bench/recovery.mjs) times restarts and kill -9 against the disk, loses nothing, and writes its JSON', async () => {
  const out = join(tmpdir(), `riffle-recovery-${process.pid}.json`);
  await run(process.execPath, ['dist/cli/main.js', 'bench', 'recovery', '--bytes', '2000000', '--runs', '1', '--streams', '1', '--shards', '2', '--kill-after-ms', '300', '--kill-load-mbps', '5', '--out', out], { timeout: 90_000 });
  type Row = { listeningMs: number; firstGetRecordsMs: number; segmentBytes: number; newestSegmentBytes: number; listeningSecPerGB: number };
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    layouts: Array<{ layout: string; write: { acceptedBytes: number }; runs: Array<{ restarts: Array<{ kind: string; recoveredRecords: number }> }>; medians: { clean: Row; cold: Row; kill: Row; emptyStartMs: number; lostAcknowledged: number; physical: Record<string, number | null> } }>;
  };
  expect(report.layouts.map((l) => l.layout)).toEqual(['tails', 'sealed']);
  for (const l of report.layouts) {
    expect(l.write.acceptedBytes).toBeGreaterThanOrEqual(2_000_000);
    expect(l.runs[0]?.restarts.map((r) => r.kind)).toEqual(['clean', 'cold', 'kill']);
    for (const row of [l.medians.clean, l.medians.cold, l.medians.kill]) {
      expect(row.segmentBytes).toBeGreaterThan(2_000_000);
      expect(row.newestSegmentBytes).toBeGreaterThan(0);
      expect(row.firstGetRecordsMs).toBeGreaterThanOrEqual(row.listeningMs);
      expect(row.listeningSecPerGB).toBeGreaterThan(0);
    }
    expect(l.medians.emptyStartMs).toBeGreaterThan(0);
    expect(l.medians.lostAcknowledged).toBe(0);
    for (const k of ['coldCatSecPerGB', 'warmCatSecPerGB', 'chunkCrcSecPerGB', 'recordCrcSecPerGB']) expect(l.medians.physical[k]).toBeGreaterThan(0);
  }
}, 120_000);

it('bench/native/route.bench.mjs checks all three routers agree, then times them', async () => {
  const out = join(tmpdir(), `riffle-route-${process.pid}.json`);
  await run(process.execPath, ['bench/native/route.bench.mjs', '--keys', '64', '--time', '50', '--json', out], { timeout: 60_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as { rows: Array<{ name: string; keysPerSec: number }>; nativeVsFastestTwin: number };
  expect(report.rows.map((r) => r.name)).toEqual(['native', 'typescript twin (pure-JS MD5)', 'node:crypto MD5 per key']);
  for (const r of report.rows) expect(r.keysPerSec).toBeGreaterThan(0);
}, 90_000);

it('bench/micro/decode.bench.mjs checks every decoder agrees, then times them and the token buckets', async () => {
  const out = join(tmpdir(), `riffle-decode-${process.pid}.json`);
  await run(process.execPath, ['bench/micro/decode.bench.mjs', '--records', '50', '--time', '50', '--json', out], { timeout: 60_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as { rows: Array<{ name: string; recordsPerSec: number }>; binaryVsJson: number };
  expect(report.rows.map((r) => r.name)).toEqual([
    'JSON.parse + PutRecords fast path',
    'JSON.parse + generic validation',
    ...(process.env.RIFFLE_NATIVE === '0' ? [] : ['binary frame, native scan']),
    'binary frame, TypeScript twin scan',
    'token buckets: admitWrite per record',
  ]);
  for (const r of report.rows) expect(r.recordsPerSec).toBeGreaterThan(0);
  expect(report.binaryVsJson).toBeGreaterThan(0);
}, 90_000);

it('riffle bench --target benchmarks a running server with its limits on, in its own streams, removed after', async () => {
  const server = await startServer();
  try {
    const out = join(tmpdir(), `riffle-bench-target-${process.pid}.json`);
    const { stderr } = await run(process.execPath, ['dist/cli/main.js', 'bench', '--target', `http://127.0.0.1:${server.port}`, '--stream-target', `http://127.0.0.1:${server.streamPort}`, '--seconds', '1.5', '--concurrency', '2', '--batch', '100', '--shards', '1', '--keys', 'uniform:50', '--out', out], { timeout: 90_000 });
    expect(stderr).toContain(`target http://127.0.0.1:${server.port}: Riffle`);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { target: { riffle: boolean }; results: Array<{ engine: string; label: string; accepted: number; failed: number; perSecond: number[] }> };
    expect(report.target.riffle).toBe(true);
    const rows = report.results.filter((r) => r.engine === 'target');
    // With the stream port (Riffle's: its GET /health answers), the WebSocket row runs too.
    expect(rows.map((r) => r.label)).toEqual(['pre-encoded HTTP/1.1 → target', 'AWS SDK v3 default (HTTP/2) → target', 'AWS SDK v3 HTTP/1.1 → target', 'binary WebSocket → target stream port /ingest']);
    for (const r of rows) {
      // One shard takes 1,000 records/s (plus a second's burst): the rest is refused, as AWS would.
      expect(r.accepted).toBeGreaterThan(0);
      expect(r.accepted).toBeLessThan(4000);
      expect(r.failed).toBeGreaterThan(0);
      expect(r.perSecond.reduce((a, b) => a + b, 0)).toBe(r.accepted);
    }
    expect(readFileSync(out.replace(/\.json$/, '.html'), 'utf8')).toContain('<h1>riffle bench</h1>');
    // Its streams are gone from the server.
    const list = (await (await fetch(`http://127.0.0.1:${server.port}/stats`)).json()) as { streams: unknown[] };
    expect(list.streams).toEqual([]);
  } finally {
    await server.stop();
  }
}, 120_000);

it('riffle bench firehose-http delivers every accepted record to its receiver, in all three phases, and writes its JSON', async () => {
  const out = join(tmpdir(), `riffle-bench-http-${process.pid}.json`);
  await run(process.execPath, ['dist/cli/main.js', 'bench', 'firehose-http', '--seconds', '0.5', '--concurrency', '2', '--batch', '50', '--out', out], { timeout: 120_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ label: string; acceptedRecords?: number; receivedRecords?: number; missing?: number; deliveredMBps: number }> };
  expect(report.results).toHaveLength(3);
  for (const r of report.results.slice(0, 2)) {
    expect(r.acceptedRecords).toBeGreaterThan(0);
    expect(r.missing).toBe(0);
    expect(r.receivedRecords).toBeGreaterThanOrEqual(r.acceptedRecords!);
  }
  for (const r of report.results) expect(r.deliveredMBps).toBeGreaterThan(0);
}, 150_000);

it('riffle bench firehose-transform measures the loop, the pool and riffle serve end to end, and writes its JSON', async () => {
  const out = join(tmpdir(), `riffle-bench-transform-${process.pid}.json`);
  await run(process.execPath, ['dist/cli/main.js', 'bench', 'firehose-transform', '--seconds', '0.4', '--rounds', '1', '--threads', '1', '--out', out], { timeout: 120_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ label: string; recordsPerSec: number; perThreadVsLoop?: number; acceptedRecords?: number; transformedRecords?: number }> };
  expect(report.results.map((r) => r.label)).toEqual(['plain loop, one core (the limit)', 'plain loop, handler alone (events reused)', 'handler pool, 1 thread', 'end to end (riffle serve, PutRecordBatch)']);
  for (const r of report.results) expect(r.recordsPerSec).toBeGreaterThan(0);
  expect(report.results[2]!.perThreadVsLoop).toBeGreaterThan(0);
  // Every record accepted end to end came back from the handler Ok.
  const e2e = report.results[3]!;
  expect(e2e.transformedRecords).toBe(e2e.acceptedRecords);
}, 150_000);
