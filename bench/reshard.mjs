// Resharding under load: a SplitShard and a MergeShards while the binary WebSocket producer runs
// at half of its saturated rate. The server and the load generator are separate processes on
// 127.0.0.1; each run is bounded in time. Measured per run, against the same run's baseline (the
// same paced load with no reshard, on a fresh stream of the same server):
//   - the time from each call's return to the first write acknowledged by a child shard;
//   - the put → ack p99 of the batches sent during each reshard (from the call to 1 s after it),
//     against the baseline's p99;
//   - records refused (failed or errored): none, with --no-throttle, or the engine refused some.
// Writes bench/results/reshard-<time>.json and prints medians over --runs.
//   node bench/reshard.mjs [--seconds 6] [--runs 3] [--shards 4] [--concurrency 4] [--batch 500] [--bytes 100]
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { api } from './lib/aws-api.mjs';
import { parseOptions } from './lib/options.mjs';

const run = promisify(execFile);
const opt = parseOptions(process.argv.slice(2), {
  command: 'riffle bench reshard',
  defaults: { seconds: 6, runs: 3, shards: 4, concurrency: 8, batch: 500, bytes: 100, out: '' },
  text: ['out'],
  positive: true,
  intro: [
    'usage: riffle bench reshard [options]   (also: node bench/reshard.mjs [options])',
    '',
    'Resharding under load: a SplitShard, then a MergeShards of its children, while the binary WebSocket',
    'producer runs at half its saturated rate (riffle --in-memory --no-throttle, separate processes on',
    '127.0.0.1). Reports the time from each call to its children accepting writes, the put → ack p99 during',
    'each reshard against the same run without one, and any record refused. Targets: children writable',
    'within 50 ms of the call returning, p99 during a reshard at most twice the baseline, nothing refused.',
  ],
  rows: [
    ['--seconds <n>', 6, 'how long each paced run sends (the reshards come at 1/3 and 2/3 of it); at least 4'],
    ['--runs <n>', 3, 'runs, each with its own baseline; medians are reported'],
    ['--shards <n>', 4, 'shards of each stream'],
    ['--concurrency <n>', 8, 'WebSocket connections of each load generator (each with up to 128 batches awaiting their ACK)'],
    ['--batch <n>', 500, 'records per WebSocket batch'],
    ['--bytes <n>', 100, 'bytes of data per record'],
    ['--out <file>', 'bench/results/reshard-<time>.json', 'where the JSON report is written'],
  ],
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (opt.seconds < 4) throw new Error('--seconds must be at least 4 (a second of warm-up, then the two reshards)');

function startServer() {
  const child = spawn(process.execPath, [here('../dist/cli/main.js'), 'serve', '--port', '0', '--stream-port', '0', '--in-memory', '--no-throttle'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/[\d.]+:(\d+) .* and http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), streamPort: Number(m[2]) });
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

async function load(server, stream, seconds, concurrency, rate) {
  const args = [here('./load/put-records-load.mjs'), `http://127.0.0.1:${server.streamPort}`, 'ws', 'ws', stream, seconds, concurrency, opt.batch, opt.bytes, rate];
  const { stdout, stderr } = await run(process.execPath, args, { timeout: (seconds + 30) * 1000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, RIFFLE_BENCH_TIMELINE: '1' } });
  const result = JSON.parse(stdout.trim().split('\n').pop());
  if (result.errors > 0) console.error(`${stream}: ${result.errors} batches failed; the first: ${stderr.trim().split('\n')[0]}`);
  return result;
}

const pctOf = (values, p) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length === 0 ? null : v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
};
const median = (values) => pctOf(values.filter((v) => v !== null), 50);

/** The open shard holding hash key `key`, with its range. */
async function shardAt(server, stream, key) {
  const shards = (await api(server.port, 'ListShards', { StreamName: stream, ShardFilter: { Type: 'AT_LATEST' } })).Shards;
  return shards.find((s) => BigInt(s.HashKeyRange.StartingHashKey) <= key && key <= BigInt(s.HashKeyRange.EndingHashKey));
}

/** Calls `call`, then puts at `key` until a shard in `children` acknowledges: ms from the call's return to that ack. */
async function reshardAndProbe(server, stream, call, key, isChild) {
  const called = performance.now();
  await call();
  const returned = performance.now();
  for (let i = 0; i < 10_000; i++) {
    const put = await api(server.port, 'PutRecord', { StreamName: stream, PartitionKey: 'probe', ExplicitHashKey: key.toString(), Data: Buffer.from('probe').toString('base64') });
    if (isChild(put.ShardId)) return { callMs: returned - called, writableMs: performance.now() - returned };
  }
  throw new Error('the children never took a write');
}

async function oneRun(server, index, rate) {
  const base = `base-${index}`;
  const resharded = `reshard-${index}`;
  for (const s of [base, resharded]) await api(server.port, 'CreateStream', { StreamName: s, ShardCount: opt.shards });
  const baseline = await load(server, base, opt.seconds, opt.concurrency, rate);
  // Its records go, so the resharded run does not pay for holding them.
  await api(server.port, 'DeleteStream', { StreamName: base });
  const loadStart = Date.now();
  const loading = load(server, resharded, opt.seconds, opt.concurrency, rate);
  // A key inside shard 0's lower half: the split's lower child, then the merge's child, hold it.
  const key = 12345n;
  await sleep((opt.seconds * 1000) / 3);
  const parent = await shardAt(server, resharded, key);
  const mid = (BigInt(parent.HashKeyRange.StartingHashKey) + BigInt(parent.HashKeyRange.EndingHashKey)) / 2n;
  const splitT0 = Date.now();
  const split = await reshardAndProbe(server, resharded, () => api(server.port, 'SplitShard', { StreamName: resharded, ShardToSplit: parent.ShardId, NewStartingHashKey: mid.toString() }), key, (id) => id !== parent.ShardId);
  const children = (await api(server.port, 'ListShards', { StreamName: resharded, ShardFilter: { Type: 'AT_LATEST' } })).Shards.filter((s) => s.ParentShardId === parent.ShardId);
  await sleep(Math.max(0, loadStart + (opt.seconds * 1000 * 2) / 3 - Date.now()));
  const [lo, hi] = children.sort((a, b) => (BigInt(a.HashKeyRange.StartingHashKey) < BigInt(b.HashKeyRange.StartingHashKey) ? -1 : 1));
  const mergeT0 = Date.now();
  const merge = await reshardAndProbe(server, resharded, () => api(server.port, 'MergeShards', { StreamName: resharded, ShardToMerge: lo.ShardId, AdjacentShardToMerge: hi.ShardId }), key, (id) => id !== lo.ShardId && id !== hi.ShardId);
  const result = await loading;
  const during = (t0) => result.timeline.filter(([at]) => at >= t0 && at < t0 + 1000).map(([, ms]) => ms);
  const baseP99 = pctOf(baseline.timeline.map(([, ms]) => ms), 99);
  const splitP99 = pctOf(during(splitT0), 99);
  const mergeP99 = pctOf(during(mergeT0), 99);
  return {
    offeredRecordsPerSec: rate,
    baseline: { recordsPerSec: baseline.recordsPerSec, p50Ms: baseline.p50Ms, p99Ms: baseP99, refused: baseline.failed + baseline.errors * opt.batch },
    resharded: { recordsPerSec: result.recordsPerSec, p50Ms: result.p50Ms, p99Ms: result.p99Ms, refused: result.failed + result.errors * opt.batch },
    split: { callMs: split.callMs, writableMs: split.writableMs, p99Ms: splitP99, p99VsBaseline: splitP99 / baseP99, batches: during(splitT0).length },
    merge: { callMs: merge.callMs, writableMs: merge.writableMs, p99Ms: mergeP99, p99VsBaseline: mergeP99 / baseP99, batches: during(mergeT0).length },
  };
}

// Each run on a fresh in-memory server (one that holds gigabytes from earlier runs answers slower),
// calibrated on one of its own first.
let report;
{
  const calibration = await startServer();
  let saturated;
  try {
    await api(calibration.port, 'CreateStream', { StreamName: 'calibrate', ShardCount: opt.shards });
    saturated = await load(calibration, 'calibrate', Math.min(3, opt.seconds), opt.concurrency, 0);
  } finally {
    calibration.child.kill('SIGTERM');
  }
  const rate = Math.floor(saturated.recordsPerSec / 2);
  const runs = [];
  for (let i = 0; i < opt.runs; i++) {
    const server = await startServer();
    try {
      runs.push(await oneRun(server, i, rate));
    } finally {
      server.child.kill('SIGTERM');
    }
  }
  const med = (f) => median(runs.map(f));
  report = {
    date: new Date().toISOString(),
    options: opt,
    saturatedRecordsPerSec: saturated.recordsPerSec,
    runs,
    medians: {
      splitWritableMs: med((r) => r.split.writableMs),
      mergeWritableMs: med((r) => r.merge.writableMs),
      baselineP99Ms: med((r) => r.baseline.p99Ms),
      splitP99Ms: med((r) => r.split.p99Ms),
      mergeP99Ms: med((r) => r.merge.p99Ms),
      splitP99VsBaseline: med((r) => r.split.p99VsBaseline),
      mergeP99VsBaseline: med((r) => r.merge.p99VsBaseline),
      refused: runs.reduce((n, r) => n + r.resharded.refused + r.baseline.refused, 0),
    },
  };
}
const m = report.medians;
const f = (v) => (v === null ? '-' : v.toFixed(v < 10 ? 2 : 0));
console.log(`saturated ${f(report.saturatedRecordsPerSec)} records/s; paced at ${f(report.runs[0].offeredRecordsPerSec)} (medians of ${opt.runs} runs)`);
console.log(`split: children writable ${f(m.splitWritableMs)} ms after the call returned; p99 ${f(m.splitP99Ms)} ms vs ${f(m.baselineP99Ms)} ms without (${f(m.splitP99VsBaseline)}x)`);
console.log(`merge: child writable ${f(m.mergeWritableMs)} ms after the call returned; p99 ${f(m.mergeP99Ms)} ms vs ${f(m.baselineP99Ms)} ms without (${f(m.mergeP99VsBaseline)}x)`);
console.log(`records refused: ${m.refused}`);
const out = opt.out || here(`./results/reshard-${report.date.replace(/[:.]/g, '-')}.json`);
mkdirSync(here('./results'), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 1));
console.log(`report: ${out}`);
