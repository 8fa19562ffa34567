// Firehose delivery benchmark: the server (`riffle serve`), each load generator (load.mjs) and the
// pure codec run (codec.mjs) are separate processes on 127.0.0.1; this process creates the streams,
// watches the --s3-dir for objects, checks that every accepted record was delivered, and splits the
// server's CPU by thread. Each phase is bounded in time. Writes JSON and prints a table.
//   node bench/firehose/run.mjs [--seconds 10] [--runs 1] [--storage memory] ... (--help describes each)
// Feeds (one delivery stream per CompressionFormat, 1 KiB clickstream events, 500 per call):
//   a  PutRecordBatch over HTTP/1.1 into a DirectPut delivery stream (IntervalInSeconds 0):
//      accepted MB/s saturated, then put → object-visible latency paced at --pace of that rate;
//      beside it PutRecords into a Kinesis stream with the same client and records
//   b  a Kinesis stream fed by binary WebSocket ingest, the source of a KinesisStreamAsSource
//      delivery stream: delivered MB/s next to ingested MB/s, server CPU by thread
//   codec  each format compressing the same data alone on one core (riffle/internal's compress)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from '../lib/options.mjs';
import { createDeliveryStream, createStream, deleteDeliveryStream, deleteStream } from './api.mjs';
import { DeliveredRecords, ObjectWatcher, wallMs } from './objects.mjs';
import { printTable, summarize } from './report.mjs';
import { cpuBetween, loopDelay, machineTicks, rssBytes, startServer, stopServer, threadTicks, ticksToSec } from './server.mjs';

const FORMATS = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'];
const opt = parseOptions(process.argv.slice(2), {
  command: 'node bench/firehose/run.mjs',
  defaults: { seconds: 10, runs: 1, batch: 500, bytes: 1024, concurrency: 8, connections: 8, shards: 4, pace: 0.5, 'size-mb': 5, 'b-interval': 0, 'codec-mb': 4, codecs: FORMATS.join(','), feeds: 'a,b,codec', clients: 'raw,sdk', storage: 'memory', port: 'aws', out: '' },
  text: ['codecs', 'feeds', 'clients', 'storage', 'port', 'out'],
  intro: [
    'usage: node bench/firehose/run.mjs [options]   (after npm run build)',
    '',
    'Firehose delivery benchmark: a fresh `riffle serve --no-throttle` per run and storage, load',
    'generators and the codec run as separate processes on 127.0.0.1, one delivery stream per',
    'CompressionFormat, 1 KiB JSON clickstream events (seeded) stamped with sequence numbers that',
    'are found again in the delivered objects. Every phase checks that each accepted record reached',
    'an object. Prints a table (medians over --runs) and writes a JSON report.',
    '  feed a: PutRecordBatch over HTTP/1.1 (IntervalInSeconds 0): accepted MB/s saturated, then',
    '          put → object-visible p50/p99 paced at --pace of it (or of the codec); PutRecords into a Kinesis',
    '          stream beside it with the same client (the target: a ≥ 50% of it, p99 ≤ 1 s)',
    '  feed b: a Kinesis stream fed by WebSocket ingest as a KinesisStreamAsSource delivery',
    "          stream's source: delivered vs ingested MB/s, server CPU by thread",
    '  codec:  compress(format, data) alone on one core (the pure codec rate)',
  ],
  rows: [
    ['--seconds <n>', 10, 'how long each phase sends, in seconds (fractions allowed)'],
    ['--runs <n>', 1, 'runs of everything, each on a fresh server; the table shows medians'],
    ['--batch <n>', 500, 'records per PutRecordBatch / PutRecords / WebSocket put'],
    ['--bytes <n>', 1024, 'bytes per record (at least 400)'],
    ['--concurrency <n>', 8, 'HTTP requests in flight (feed a)'],
    ['--connections <n>', 8, 'WebSocket connections, 16 puts in flight each (feed b)'],
    ['--shards <n>', 4, 'shards of the Kinesis streams'],
    ['--pace <f>', 0.5, 'feed a latency phase: offered load as a fraction of the saturated rate (or of the lone codec on the pool\'s threads, where lower)'],
    ['--size-mb <n>', 5, 'BufferingHints.SizeInMBs of every delivery stream'],
    ['--b-interval <s>', 0, 'BufferingHints.IntervalInSeconds in feed b (feed a always uses 0)'],
    ['--codec-mb <n>', 4, 'MiB compressed per call in the codec phase'],
    ['--codecs <list>', FORMATS.join(','), 'CompressionFormats to run, comma-separated'],
    ['--feeds <list>', 'a,b,codec', 'which feeds to run'],
    ['--clients <list>', 'raw,sdk', 'feed a clients: raw (pre-encoded AWS JSON, node:http keep-alive), sdk (@aws-sdk clients); the first one also runs every codec and the latency phase'],
    ['--storage <s>', 'memory', 'memory (--in-memory), durable (a temporary --data-dir, fsync group), or both'],
    ['--port <p>', 'aws', 'feed a goes to the AWS port (node:http, aws) or the uWebSockets.js port (uws)'],
    ['--out <file>', 'bench/results/firehose-<time>.json', 'where the JSON report is written'],
  ],
});
const list = (s) => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
const codecs = list(opt.codecs);
const feeds = new Set(list(opt.feeds));
const clients = list(opt.clients);
const storages = opt.storage === 'both' ? ['memory', 'durable'] : [opt.storage];
const fail = (m) => {
  console.error(`node bench/firehose/run.mjs: ${m}`);
  process.exit(2);
};
for (const c of codecs) if (!FORMATS.includes(c)) fail(`--codecs: unknown format '${c}' (${FORMATS.join(', ')})`);
for (const f of feeds) if (!['a', 'b', 'codec'].includes(f)) fail(`--feeds: unknown feed '${f}' (a, b, codec)`);
for (const c of clients) if (!['raw', 'sdk'].includes(c)) fail(`--clients: unknown client '${c}' (raw, sdk)`);
for (const s of storages) if (!['memory', 'durable'].includes(s)) fail(`--storage: memory, durable or both, not '${s}'`);
if (!['aws', 'uws'].includes(opt.port)) fail(`--port: aws or uws, not '${opt.port}'`);
if (codecs.length === 0 || clients.length === 0) fail('--codecs and --clients need at least one entry');
for (const k of ['seconds', 'runs', 'batch', 'bytes', 'concurrency', 'connections', 'shards', 'pace', 'size-mb', 'codec-mb']) if (!(opt[k] > 0)) fail(`--${k} needs a positive number`);
if (opt.bytes < 400) fail('--bytes: at least 400 (a clickstream event has that many fixed bytes)');
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const bucketOf = (s) => s.toLowerCase().replace(/_/g, '-');
const seconds = opt.seconds;
/** Latencies of records put in the first second are left out of the percentiles (connections, JIT), in runs long enough to have them. */
const warmupMs = seconds >= 3 ? 1000 : 0;

/** What this run started and must stop if it is interrupted: the children and the server, the temporary directory. */
const live = { children: new Set(), server: null, tmp: null };
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const p of live.children) p.kill('SIGKILL');
    live.server?.child.kill('SIGKILL');
    if (live.tmp !== null) rmSync(live.tmp, { recursive: true, force: true });
    process.exit(130);
  });
}

/** Runs a child (load.mjs or codec.mjs), calls onStart when it prints `start`, resolves with its last JSON line. */
function child(script, config, onStart = () => undefined) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [here(script), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.children.add(p);
    let out = '';
    let err = '';
    let started = false;
    const timer = setTimeout(() => p.kill('SIGKILL'), (seconds + 120) * 1000);
    p.stdout.on('data', (d) => {
      out += d;
      if (!started && /^start$/m.test(out)) {
        started = true;
        onStart();
      }
    });
    p.stderr.on('data', (d) => (err += d));
    p.once('exit', (code) => {
      live.children.delete(p);
      clearTimeout(timer);
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last || last === 'start') return reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(last));
    });
  });
}

/**
 * A load phase with the server's CPU by thread over it (from the load's start to its exit), the
 * main thread's event-loop delay, and the rest of the machine: on a shared machine other processes
 * take cores too, and `othersCores` says how many.
 */
async function load(server, config) {
  let before;
  let t0;
  let m0;
  let self0;
  const r = await child('./load.mjs', config, () => {
    before = threadTicks(server.child.pid);
    m0 = machineTicks();
    self0 = process.cpuUsage();
    t0 = wallMs();
  });
  const after = threadTicks(server.child.pid);
  const sec = (wallMs() - t0) / 1000;
  const self = process.cpuUsage(self0);
  const cpu = cpuBetween(server, before, after, sec);
  const machineCores = ticksToSec(machineTicks() - m0) / sec;
  const benchCores = (self.user + self.system) / 1e6 / sec;
  cpu.machine = machineCores;
  cpu.others = Math.max(0, machineCores - cpu.cores.total - r.loadCpuSec / sec - benchCores);
  return { ...r, cpu, loop: loopDelay(server, r.startMs, r.endMs), sends: undefined, sendsList: r.sends, rssBytes: rssBytes(server.child.pid) };
}

/** Percentile of a sorted Float64Array. */
const pct = (a, p) => (a.length === 0 ? null : a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))]);

/**
 * Checks that each accepted record is in an object, and measures put → object-visible per record
 * (and the bytes that became visible within the load window, and in each second of it).
 */
function deliveryOf(delivered, r) {
  let maxSeq = 0;
  for (const [first, count] of r.sendsList) maxSeq = Math.max(maxSeq, first + count);
  const visible = new Float64Array(maxSeq).fill(NaN);
  let duplicates = 0;
  let unknown = 0;
  let inWindow = 0;
  // Record MB that became visible in each second from the load's start (the last bin: everything later).
  const bins = Math.ceil(r.elapsedSec) + 1;
  const timeline = new Array(bins).fill(0);
  for (const { atMs, seqs } of delivered.objects.values()) {
    for (const seq of seqs) {
      if (seq >= maxSeq) {
        unknown++;
        continue;
      }
      if (!Number.isNaN(visible[seq])) {
        duplicates++;
        continue;
      }
      visible[seq] = atMs;
      if (atMs <= r.endMs) inWindow++;
      timeline[Math.max(0, Math.min(bins - 1, Math.floor((atMs - r.startMs) / 1000)))] += opt.bytes / 1e6;
    }
  }
  const failed = new Set(r.failedSeqs);
  const latencies = [];
  let missing = 0;
  let lastVisible = 0;
  for (const [first, count, sentMs] of r.sendsList) {
    for (let seq = first; seq < first + count; seq++) {
      if (failed.has(seq)) continue;
      const at = visible[seq];
      if (Number.isNaN(at)) {
        missing++;
        continue;
      }
      lastVisible = Math.max(lastVisible, at);
      if (sentMs - r.startMs >= warmupMs) latencies.push(at - sentMs);
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    objects: delivered.objects.size,
    storedBytes: delivered.storedBytes,
    deliveredRecords: delivered.records,
    malformed: delivered.malformed,
    missing,
    duplicates,
    unknown,
    everyRecordDelivered: missing === 0 && delivered.malformed === 0 && unknown === 0,
    objectsFoundByRescan: [...delivered.watcher.seen.values()].filter((x) => x.late).length,
    deliveredInWindowMBps: (inWindow * opt.bytes) / 1e6 / r.elapsedSec,
    catchUpSec: lastVisible > r.endMs ? (lastVisible - r.endMs) / 1000 : 0,
    putToObjectP50Ms: pct(sorted, 50),
    putToObjectP99Ms: pct(sorted, 99),
    putToObjectMaxMs: sorted.length === 0 ? null : sorted[sorted.length - 1],
    compressionRatio: delivered.storedBytes > 0 ? (delivered.records * opt.bytes) / delivered.storedBytes : null,
    deliveredMBPerSecond: timeline.map((x) => Math.round(x * 10) / 10),
  };
}

/** Until every accepted record is in an object (bounded), then a short quiet spell for late duplicates. */
async function settle(watcher, format, r, maxMs = 60_000) {
  const delivered = new DeliveredRecords(watcher, format, opt.bytes);
  const expected = r.accepted;
  const deadline = wallMs() + maxMs;
  for (;;) {
    watcher.scan(watcher.root, true);
    if (delivered.update().records >= expected || wallMs() > deadline) break;
    await watcher.quiet(100, 1000);
  }
  await watcher.quiet(300, 2000);
  return deliveryOf(delivered.update(), r);
}

const clean = (r) => {
  const { sendsList, failedSeqs, ...rest } = r;
  return rest;
};

/** Feed a: the Kinesis rows, then per codec a saturated and a paced phase. */
async function feedA(server, s3Dir, tag, codec) {
  const rows = [];
  const port = server.ports[opt.port];
  const url = `http://127.0.0.1:${port}`;
  const base = { batch: opt.batch, bytes: opt.bytes, concurrency: opt.concurrency, seconds, url };
  for (const client of clients) {
    const name = `kin-${tag}-${client}`;
    await createStream(server.ports.aws, name, opt.shards);
    process.stderr.write(`  a: PutRecords → Kinesis stream (${client}) ... `);
    const r = await load(server, { ...base, mode: `kinesis-${client}`, name });
    process.stderr.write(`${r.megabytesPerSec.toFixed(1)} MB/s\n`);
    rows.push({ feed: 'a', target: 'kinesis', format: null, client, phase: 'saturated', ...clean(r) });
    await deleteStream(server.ports.aws, name);
  }
  for (const format of codecs) {
    const phases = [];
    for (const client of format === codecs[0] ? clients : clients.slice(0, 1)) phases.push({ client, phase: 'saturated' });
    phases.push({ client: clients[0], phase: 'paced' });
    for (const { client, phase } of phases) {
      const name = `fh-${tag}-${bucketOf(format)}-${client}-${phase}`;
      const bucket = `a-${tag}-${bucketOf(format)}-${client}-${phase}`;
      mkdirSync(join(s3Dir, bucket), { recursive: true });
      const watcher = new ObjectWatcher(join(s3Dir, bucket));
      await createDeliveryStream(server.ports.aws, { name, bucket, format, sizeMBs: opt['size-mb'], intervalSeconds: 0 });
      let rate = 0;
      let basis = null;
      if (phase === 'paced') {
        // --pace of what the delivery stream can take and deliver: the saturated accepted rate, or
        // for a compressed format the lone codec's rate on the pool's threads where that is lower
        // (PutRecordBatch accepts faster than one pool thread compresses GZIP or ZIP).
        const sat = rows.find((x) => x.target === 'firehose' && x.format === format && x.client === client && x.phase === 'saturated');
        const lone = codec?.rows?.find((x) => x.format === format)?.megabytesPerSec;
        const byCodec = lone === undefined ? Infinity : (lone * Math.max(1, sat.cpu.threads.pool) * 1e6) / opt.bytes;
        basis = byCodec < sat.recordsPerSec ? 'codec' : 'accepted';
        rate = Math.max(opt.batch, Math.round(Math.min(sat.recordsPerSec, byCodec) * opt.pace));
      }
      process.stderr.write(`  a: PutRecordBatch ${format} (${client}, ${phase}${rate ? ` at ${rate} records/s` : ''}) ... `);
      const r = await load(server, { ...base, mode: `firehose-${client}`, name, rate });
      const d = await settle(watcher, format, r);
      watcher.close();
      process.stderr.write(`${r.megabytesPerSec.toFixed(1)} MB/s, put → object p99 ${d.putToObjectP99Ms?.toFixed(0)} ms${d.everyRecordDelivered ? '' : `, NOT all delivered (${d.missing} missing)`}\n`);
      rows.push({ feed: 'a', target: 'firehose', format, client, phase, offeredRecordsPerSec: rate || null, pacedAtShareOf: basis, ...clean(r), ...d });
      await deleteDeliveryStream(server.ports.aws, name);
      rmSync(join(s3Dir, bucket), { recursive: true, force: true });
    }
  }
  // The issue's target: Firehose accepts at least half of what PutRecords takes with the same client.
  for (const r of rows) {
    const k = rows.find((x) => x.target === 'kinesis' && x.client === r.client);
    if (r.target === 'firehose' && r.phase === 'saturated' && k) r.ratioVsKinesis = r.megabytesPerSec / k.megabytesPerSec;
  }
  return rows;
}

const KINESIS_SOURCE_MISSING = 'does not deliver from a Kinesis stream source';

/** Feed b: per codec, WebSocket ingest into a stream that a KinesisStreamAsSource delivery stream reads. */
async function feedB(server, s3Dir, tag) {
  const rows = [];
  for (const format of codecs) {
    const stream = `src-${tag}-${bucketOf(format)}`;
    const name = `fhk-${tag}-${bucketOf(format)}`;
    const bucket = `b-${tag}-${bucketOf(format)}`;
    const arn = await createStream(server.ports.aws, stream, opt.shards);
    mkdirSync(join(s3Dir, bucket), { recursive: true });
    const watcher = new ObjectWatcher(join(s3Dir, bucket));
    try {
      await createDeliveryStream(server.ports.aws, { name, bucket, format, sizeMBs: opt['size-mb'], intervalSeconds: opt['b-interval'], source: arn });
    } catch (err) {
      watcher.close();
      await deleteStream(server.ports.aws, stream);
      rmSync(join(s3Dir, bucket), { recursive: true, force: true });
      if (String(err.detail ?? err.message).includes(KINESIS_SOURCE_MISSING)) {
        process.stderr.write(`  b: skipped, the server answers: ${err.detail}\n`);
        return [{ feed: 'b', skipped: `CreateDeliveryStream (KinesisStreamAsSource) answered ${err.type}: ${err.detail}` }];
      }
      throw err;
    }
    process.stderr.write(`  b: WebSocket → stream → ${format} ... `);
    const r = await load(server, { batch: opt.batch, bytes: opt.bytes, concurrency: opt.connections, seconds, url: `http://127.0.0.1:${server.ports.uws}`, mode: 'ws', name: stream });
    const d = await settle(watcher, format, r, 120_000);
    watcher.close();
    process.stderr.write(`ingest ${r.megabytesPerSec.toFixed(1)} MB/s, delivered ${d.deliveredInWindowMBps.toFixed(1)} MB/s in the window${d.everyRecordDelivered ? '' : `, NOT all delivered (${d.missing} missing)`}\n`);
    rows.push({ feed: 'b', target: 'kinesis-source', format, client: 'ws', phase: 'saturated', ingestMBps: r.megabytesPerSec, ...clean(r), ...d });
    await deleteDeliveryStream(server.ports.aws, name);
    await deleteStream(server.ports.aws, stream);
    rmSync(join(s3Dir, bucket), { recursive: true, force: true });
  }
  return rows;
}

async function codecPhase() {
  const formats = codecs.filter((f) => f !== 'UNCOMPRESSED');
  if (formats.length === 0) return { rows: [] };
  process.stderr.write('  codec: compress() alone on one core ... ');
  const r = await child('./codec.mjs', { formats, mb: opt['codec-mb'], seconds: Math.min(seconds, 3), bytes: opt.bytes });
  process.stderr.write(r.skipped ? `skipped: ${r.skipped}\n` : `${r.rows.map((x) => `${x.format} ${x.megabytesPerSec.toFixed(0)}`).join(', ')} MB/s\n`);
  return r;
}

const when = new Date().toISOString();
const runs = [];
for (let run = 1; run <= opt.runs; run++) {
  // The codec run first, with no server up: nothing else on the cores.
  const codec = feeds.has('codec') ? await codecPhase() : null;
  for (const storage of storages) {
    const tmp = mkdtempSync(join(tmpdir(), 'riffle-fh-bench-'));
    live.tmp = tmp;
    const s3Dir = join(tmp, 's3');
    const dataDir = storage === 'durable' ? join(tmp, 'data') : null;
    mkdirSync(s3Dir);
    if (dataDir !== null) mkdirSync(dataDir);
    process.stderr.write(`run ${run}/${opt.runs}, ${storage}:\n`);
    const server = await startServer({ s3Dir, dataDir, threadsFile: join(tmp, 'threads.txt'), loopFile: join(tmp, 'loop.txt') });
    live.server = server;
    const rows = [];
    try {
      if (feeds.has('a')) rows.push(...(await feedA(server, s3Dir, `r${run}`, codec)));
      if (feeds.has('b')) rows.push(...(await feedB(server, s3Dir, `r${run}`)));
    } finally {
      await stopServer(server);
      rmSync(tmp, { recursive: true, force: true });
      live.server = null;
      live.tmp = null;
    }
    runs.push({ run, storage, rows, codec, serverLog: server.log });
  }
}

const summary = summarize(runs, { codecs, clients, storages, poolThreadsDefault: Math.max(1, Math.min(8, Math.floor(availableParallelism() / 2))) });
const report = { benchmark: 'firehose', when, node: process.version, cores: availableParallelism(), options: opt, summary, runs };
const file = opt.out || here(`../results/firehose-${when.replace(/[:.]/g, '-')}.json`);
if (!opt.out) mkdirSync(here('../results'), { recursive: true });
writeFileSync(file, JSON.stringify(report, null, 2));
printTable(report);
console.log(`\nJSON: ${file}`);
