// End-to-end PutRecords benchmark: Riffle (both ports) and kinesalite side by side in one run.
// Servers and the load generator are separate processes on 127.0.0.1; each scenario is bounded
// in time. With --target, the Riffle rows run against a server already running (the user's own,
// with its limits on) instead. Writes bench/results/put-records-<time>.json and .html (charts),
// prints a table with ratios.
//   node bench/put-records.mjs [--seconds 5] [--concurrency 8] [--batch 500] [--bytes 100] [--shards 4]
//                              [--keys uniform:N] [--target URL] [--out file.json] [--only text] [--open]
//   (--help describes each)
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api } from './lib/aws-api.mjs';
import { htmlReport } from './lib/html-report.mjs';
import { parseOptions } from './lib/options.mjs';
import { openInBrowser, probeTarget, targetScenarios, targetStreams } from './lib/target.mjs';

const opt = parseOptions(process.argv.slice(2), {
  command: 'riffle bench',
  defaults: { seconds: 5, concurrency: 8, batch: 500, bytes: 100, shards: 4, keys: '', target: '', 'stream-target': '', out: '', only: '', open: false },
  text: ['out', 'only', 'keys', 'target', 'stream-target'],
  flags: ['open'],
  positive: true,
  intro: [
    'usage: riffle bench [options]   (also: node bench/put-records.mjs [options]; npm run bench -- [options] builds first)',
    '',
    'End-to-end PutRecords benchmark: Riffle (--no-throttle, in memory; the durable rows on a temporary',
    '--data-dir with --fsync group) and kinesalite side by side, each server and each load generator its',
    'own process on 127.0.0.1. Prints a table with ratios to kinesalite and writes a JSON report.',
  ],
  rows: [
    ['--seconds <n>', 5, 'how long each scenario sends, in seconds (fractions allowed)'],
    ['--concurrency <n>', 8, 'requests in flight per load generator (WebSocket rows: connections, each with up to 16 batches in flight)'],
    ['--batch <n>', 500, 'records per PutRecords request'],
    ['--bytes <n>', 100, 'bytes of data per record (the "1 KiB records" row always uses 1024)'],
    ['--shards <n>', 4, 'shards per stream (the in-process row always uses 4)'],
    ['--keys <dist>', 'key-0 … key-<batch-1>', 'partition keys: uniform:N | zipf:N,s | hot:P (as riffle load --keys)'],
    ['--target <url>', 'start servers here', "benchmark a server already running (its AWS port, e.g. http://127.0.0.1:4567), limits and all: its rows replace Riffle's (kinesalite still runs here as the baseline)"],
    ['--stream-target <url>', 'the target port + 1', "--target's stream port (Riffle's uWS port: the WebSocket row); found by GET /health when not given"],
    ['--out <file>', 'bench/results/put-records-<time>.json', 'where the JSON report is written (the HTML report beside it, .html)'],
    ['--only <text>', 'every scenario', 'run only the scenarios whose label contains text (kinesalite and the reference row always run)'],
    ['--open', '', 'open the HTML report in a browser when done (xdg-open)'],
  ],
  footer: ['The enhanced fan-out benchmark is separate: node bench/fanout.mjs --help'],
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function startProcess(args, pattern) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start: ${args.join(' ')} ${out}`)), 15000);
    const onData = (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, ports: m.slice(1).map(Number) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

/** CPU seconds and RSS of a process, from /proc (Linux). */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  return { cpuSec: ticks / 100, rssBytes: rss };
}

async function createStream(port, name) {
  await api(port, 'CreateStream', { StreamName: name, ShardCount: opt.shards });
  for (let i = 0; i < 100; i++) {
    const d = await api(port, 'DescribeStreamSummary', { StreamName: name }).catch(() => null);
    const status = d?.StreamDescriptionSummary?.StreamStatus ?? (await api(port, 'DescribeStream', { StreamName: name })).StreamDescription.StreamStatus;
    if (status === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('stream never became ACTIVE');
}

function runLoad(url, s, stream, bytes, rate) {
  const { mode, protocol } = s;
  const args =
    mode === 'inproc'
      ? [here('./load/in-process-load.mjs'), opt.seconds, opt.concurrency, opt.batch, bytes]
      : [here('./load/put-records-load.mjs'), url, mode, protocol, stream, opt.seconds, opt.concurrency, opt.batch, bytes, rate];
  const env = { ...process.env, RIFFLE_BENCH_PROGRESS: '1', ...(opt.keys === '' ? {} : { RIFFLE_BENCH_KEYS: opt.keys }), ...(s.signed ? { RIFFLE_BENCH_CREDENTIALS: 'chain' } : {}) };
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', timeout: (opt.seconds + 30) * 1000, env, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop());
}

const scenarios = [
  { engine: 'riffle', port: 'aws', mode: 'raw', protocol: 'http1', label: 'pre-encoded HTTP/1.1 → AWS port (node:http)' },
  { engine: 'riffle', port: 'uws', mode: 'raw', protocol: 'http1', label: 'pre-encoded HTTP/1.1 → uWS port' },
  { engine: 'riffle', port: 'aws', mode: 'sdk', protocol: 'http2', label: 'AWS SDK v3 default (HTTP/2) → AWS port' },
  { engine: 'riffle', port: 'uws', mode: 'sdk', protocol: 'http1', label: 'AWS SDK v3 HTTP/1.1 → uWS port' },
  { engine: 'riffle', port: 'uws', mode: 'ws', protocol: 'ws', label: 'binary WebSocket → uWS port /ingest' },
  // Open loop at half of the saturated rate: put → ack latency below saturation. On a fresh server
  // process (the one above holds gigabytes by now), whose own saturated rate is measured first.
  { engine: 'riffle', port: 'uws', mode: 'ws', protocol: 'ws', label: 'binary WebSocket, paced at half the max rate', paced: true, fresh: true },
  { engine: 'riffle', port: 'uws', mode: 'ws', protocol: 'ws', label: 'binary WebSocket, 1 KiB records', bytes: 1024 },
  // The durable log (fresh server, temporary data directory, --fsync group), saturated and paced;
  // then the server is stopped and restarted on the same directory to time its recovery.
  // Its reference: the same load on a fresh in-memory server at the same point of the run (a
  // long-lived server and a fresh one differ here by more than the log does).
  { engine: 'riffle', port: 'uws', mode: 'ws', protocol: 'ws', label: 'binary WebSocket, fresh in-memory server', fresh: true, reference: true },
  { engine: 'riffle', port: 'uws', mode: 'ws', protocol: 'ws', label: 'binary WebSocket, durable (--fsync group)', fresh: true, durable: true },
  { engine: 'riffle', port: 'uws', mode: 'ws', protocol: 'ws', label: 'binary WebSocket, durable, paced at half its max', paced: true, fresh: true, durable: true },
  { engine: 'riffle', port: 'none', mode: 'inproc', protocol: 'none', label: 'in-process API (engine in the load process)' },
  { engine: 'kinesalite', port: 'aws', mode: 'raw', protocol: 'http1', label: 'pre-encoded HTTP/1.1 → kinesalite' },
  { engine: 'kinesalite', port: 'aws', mode: 'sdk', protocol: 'http1', label: 'AWS SDK v3 HTTP/1.1 → kinesalite' },
];

const target = opt.target === '' ? null : await probeTarget(opt.target, opt['stream-target']);
if (target !== null) {
  // The user's server replaces the Riffle rows; kinesalite stays as the baseline.
  scenarios.splice(0, scenarios.length, ...targetScenarios(target), ...scenarios.filter((s) => s.engine === 'kinesalite'));
  process.stderr.write(`target ${target.url}: ${target.riffle ? `Riffle ${target.version}` : 'a Kinesis endpoint'}${target.streamUrl ? `, stream port ${target.streamUrl}` : ''}${target.signed ? ', signed requests (the SDK rows only)' : ''}\n`);
}
if (opt.only !== '') {
  const keep = scenarios.filter((s) => s.label.includes(opt.only) || s.reference || s.engine === 'kinesalite');
  scenarios.splice(0, scenarios.length, ...keep);
}

const startRiffle = (dataDir = null) =>
  startProcess(
    [here('../dist/cli/main.js'), 'serve', '--port', '0', '--stream-port', '0', '--no-throttle', ...(dataDir === null ? ['--in-memory'] : ['--data-dir', dataDir, '--fsync', 'group'])],
    /listening on http:\/\/[\d.]+:(\d+) .* and http:\/\/[\d.]+:(\d+)/,
  );

/** Bytes of all files under `dir`. */
function treeBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? treeBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

/** Stops a durable server, restarts it on the same directory, and times the start-up (recovery). */
async function timeRecovery(proc, dataDir) {
  await new Promise((resolve) => {
    proc.child.once('exit', resolve);
    proc.child.kill('SIGTERM');
  });
  const bytes = treeBytes(dataDir);
  const t0 = performance.now();
  const again = await startRiffle(dataDir);
  const ms = performance.now() - t0;
  again.child.kill('SIGTERM');
  return { recoveryMs: ms, recoveredBytes: bytes, recoverySecPerGB: ms / 1000 / (bytes / 1e9) };
}
const riffle = target === null ? await startRiffle() : null;
const kinesalite = await startProcess([here('./servers/kinesalite.cjs'), '0'], /listening on http:\/\/[\d.]+:(\d+)/);
const results = [];
try {
  for (const [i, s] of scenarios.entries()) {
    const dataDir = s.durable ? mkdtempSync(join(tmpdir(), 'riffle-bench-')) : null;
    const proc = s.engine === 'target' ? null : s.fresh ? await startRiffle(dataDir) : s.engine === 'riffle' ? riffle : kinesalite;
    const port = proc === null ? null : s.engine === 'riffle' && s.port === 'uws' ? proc.ports[1] : proc.ports[0];
    const stream = s.engine === 'target' ? `riffle-bench-${process.pid}-${i}` : `bench-${i}`;
    process.stderr.write(`  ${s.label} ... `);
    if (s.engine === 'target') {
      const streams = targetStreams(target, opt.shards);
      try {
        await streams.create(stream);
        const load = runLoad(s.port === 'uws' ? target.streamUrl : target.url, s, stream, opt.bytes, 0);
        results.push({ ...s, ...load, serverCpuCores: null, serverRssBytes: null });
      } finally {
        await streams.delete(stream);
      }
      Object.assign(results[results.length - 1], { bytes: opt.bytes, offeredRecordsPerSec: null, megabytesPerSec: (results[results.length - 1].recordsPerSec * opt.bytes) / 1e6 });
      process.stderr.write(`\n  = ${Math.round(results[results.length - 1].recordsPerSec)} records/s (${results[results.length - 1].failed} refused)\n`);
      continue;
    }
    const bytes = s.bytes ?? opt.bytes;
    let rate = 0;
    if (s.mode === 'inproc') {
      // No server process: the engine runs inside the load process, which reports its own CPU.
      const load = runLoad('', s, stream, bytes, rate);
      results.push({ ...s, ...load, serverCpuCores: load.loadCpuSec / load.elapsedSec, serverRssBytes: null });
    } else {
      try {
        await createStream(proc.ports[0], stream);
        if (s.paced) {
          // Calibrate: this server's saturated rate (into another stream), then offer half of it.
          await createStream(proc.ports[0], `${stream}-max`);
          const max = runLoad(`http://127.0.0.1:${port}`, { ...s, paced: false }, `${stream}-max`, bytes, 0);
          rate = Math.max(1, Math.round(max.recordsPerSec / 2));
        }
        const before = usage(proc.child.pid);
        const load = runLoad(`http://127.0.0.1:${port}`, s, stream, bytes, rate);
        const after = usage(proc.child.pid);
        const serverCpu = (after.cpuSec - before.cpuSec) / load.elapsedSec;
        results.push({ ...s, ...load, serverCpuCores: serverCpu, serverRssBytes: after.rssBytes });
        if (dataDir !== null && !s.paced) Object.assign(results[results.length - 1], await timeRecovery(proc, dataDir));
      } finally {
        if (s.fresh) proc.child.kill('SIGTERM');
        if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
      }
    }
    Object.assign(results[results.length - 1], { bytes, offeredRecordsPerSec: rate || null, megabytesPerSec: (results[results.length - 1].recordsPerSec * bytes) / 1e6 });
    const load = results[results.length - 1];
    process.stderr.write(`\n  = ${Math.round(load.recordsPerSec)} records/s\n`);
  }
} finally {
  riffle?.child.kill('SIGTERM');
  kinesalite.child.kill('SIGTERM');
}

// kinesalite has no binary protocol or in-process API: those are compared with its best, pre-encoded
// HTTP. Rows at another record size or at a paced rate are not compared.
const base = (mode) => results.find((r) => r.engine === 'kinesalite' && r.mode === (mode === 'ws' || mode === 'inproc' ? 'raw' : mode))?.recordsPerSec;
for (const r of results) r.ratioVsKinesalite = base(r.mode) && r.bytes === opt.bytes && !r.paced ? r.recordsPerSec / base(r.mode) : null;
// The durable log against a fresh in-memory server in the same run (issue 4's target: at least half).
const memoryWs = results.find((r) => r.reference)?.recordsPerSec;
for (const r of results) if (r.durable && !r.paced && memoryWs) r.ratioVsInMemory = r.recordsPerSec / memoryWs;
const report = { benchmark: 'put-records', when: new Date().toISOString(), node: process.version, options: opt, ...(target === null ? {} : { target: { url: target.url, riffle: target.riffle, version: target.version } }), results };
const file = opt.out || here(`./results/put-records-${report.when.replace(/[:.]/g, '-')}.json`);
mkdirSync(here('./results'), { recursive: true });
writeFileSync(file, JSON.stringify(report, null, 2));
const htmlFile = file.replace(/\.json$/, '') + '.html';
writeFileSync(htmlFile, htmlReport(report));

const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : n.toFixed(d));
console.log(`\nPutRecords, ${opt.batch} × ${opt.bytes} B, ${opt.concurrency} in flight, ${opt.seconds} s each, ${opt.shards} shards${opt.keys ? `, keys ${opt.keys}` : ''}, ${target === null ? 'Riffle --no-throttle --in-memory' : `target ${target.url}`}`);
console.log(['scenario'.padEnd(48), 'records/s'.padStart(10), 'MB/s'.padStart(7), 'vs kinesalite'.padStart(14), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'refused'.padStart(9), 'server CPU'.padStart(11), 'RSS MiB'.padStart(8)].join(' '));
for (const r of results) {
  console.log(
    [r.label.padEnd(48), fmt(r.recordsPerSec).padStart(10), fmt(r.megabytesPerSec, 1).padStart(7), (r.ratioVsKinesalite === null ? '-' : `${fmt(r.ratioVsKinesalite, 1)}×`).padStart(14), fmt(r.p50Ms, 1).padStart(8), fmt(r.p99Ms, 1).padStart(8), fmt(r.failed).padStart(9), fmt(r.serverCpuCores, 2).padStart(11), (r.serverRssBytes === null ? '-' : fmt(r.serverRssBytes / 2 ** 20)).padStart(8)].join(' '),
  );
}
console.log('MB/s counts record data only (10^6 bytes). p50/p99: each batch from send to its reply (put → ack). refused: records answered with an error (throttled, on a target with limits).');
for (const r of results.filter((x) => x.durable && !x.paced)) {
  console.log(
    `durable vs in-memory WebSocket: ${fmt(r.ratioVsInMemory * 100)}%; recovery of ${fmt(r.recoveredBytes / 1e6)} MB took ${fmt(r.recoveryMs)} ms ` +
      `(${fmt(r.recoverySecPerGB, 1)} s per GB, server start included)`,
  );
}
console.log(`\nJSON: ${file}\nHTML: ${htmlFile}`);
if (opt.open) openInBrowser(htmlFile);
