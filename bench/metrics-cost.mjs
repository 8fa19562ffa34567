// What the metrics cost: `riffle bench`'s binary WebSocket and pre-encoded PutRecords rows against a
// fresh server with metrics on (and /metrics scraped every second, as Prometheus would) and one run
// with --no-metrics, as interleaved pairs in one run (on/off, then off/on, ...), so drift on a noisy
// machine falls on both sides. The cost of a pair is 1 - on/off; the target is a median of at most 5%.
// Servers and load generators are separate processes on 127.0.0.1. Writes bench/results/metrics-cost-<time>.json.
//   node bench/metrics-cost.mjs [--pairs 3] [--seconds 4] [--concurrency 8] [--batch 500] [--bytes 100] [--shards 4]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { api } from './lib/aws-api.mjs';
import { parseOptions } from './lib/options.mjs';

const opt = parseOptions(process.argv.slice(2), {
  command: 'riffle bench metrics',
  defaults: { pairs: 3, seconds: 4, concurrency: 8, batch: 500, bytes: 100, shards: 4, out: '' },
  text: ['out'],
  positive: true,
  intro: [
    'usage: riffle bench metrics [options]   (also: node bench/metrics-cost.mjs [options])',
    '',
    "What counting costs: the binary WebSocket and PutRecords rows of riffle bench, each on a fresh server",
    'with metrics on (/metrics scraped every second) and with --no-metrics, in interleaved pairs. Prints',
    'the pairs, the median cost per row (target: at most 5%), and writes a JSON report.',
  ],
  rows: [
    ['--pairs <n>', 3, 'on/off pairs per row'],
    ['--seconds <n>', 4, 'how long each run sends'],
    ['--concurrency <n>', 8, 'requests in flight (WebSocket: connections, each with up to 16 batches in flight)'],
    ['--batch <n>', 500, 'records per request'],
    ['--bytes <n>', 100, 'bytes of data per record'],
    ['--shards <n>', 4, 'shards of the stream'],
    ['--out <file>', 'bench/results/metrics-cost-<time>.json', 'where the JSON report is written'],
  ],
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function startRiffle(metrics) {
  const args = [here('../dist/cli/main.js'), 'serve', '--port', '0', '--stream-port', '0', '--no-throttle', '--in-memory', ...(metrics ? [] : ['--no-metrics'])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start: ${out}`)), 15000);
    const onData = (d) => {
      out += d;
      const m = /listening on http:\/\/[\d.]+:(\d+) .* and http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, aws: Number(m[1]), uws: Number(m[2]) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

/** Scrapes /metrics every second while a run goes, as a Prometheus server would; returns how to stop and what it saw. */
function scraper(port) {
  let scrapes = 0;
  let bytes = 0;
  const timer = setInterval(async () => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      scrapes++;
      bytes += text.length;
    } catch {
      // a scrape that fails is just not counted
    }
  }, 1000);
  return () => {
    clearInterval(timer);
    return { scrapes, bytes };
  };
}

const ROWS = [
  { label: 'binary WebSocket → uWS port /ingest', mode: 'ws', protocol: 'ws' },
  { label: 'pre-encoded PutRecords HTTP/1.1 → uWS port', mode: 'raw', protocol: 'http1' },
];

async function run(row, metrics, i) {
  const server = await startRiffle(metrics);
  try {
    const stream = `cost-${i}`;
    await api(server.aws, 'CreateStream', { StreamName: stream, ShardCount: opt.shards });
    const stop = metrics ? scraper(server.aws) : () => ({ scrapes: 0, bytes: 0 });
    // execFileSync would block the scraper: the load runs asynchronously.
    const out = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [here('./load/put-records-load.mjs'), `http://127.0.0.1:${server.uws}`, row.mode, row.protocol, stream, opt.seconds, opt.concurrency, opt.batch, opt.bytes], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(text.trim().split('\n').pop())) : reject(new Error(`load exited ${code}`))));
    });
    const scraped = stop();
    let check = null;
    if (metrics) {
      // The counters saw every record the load had acknowledged.
      const text = await (await fetch(`http://127.0.0.1:${server.aws}/metrics`)).text();
      check = Number(new RegExp(`^aws_kinesis_incoming_records_total\\{stream_name="${stream}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    }
    return { recordsPerSec: out.recordsPerSec, records: out.accepted, p50Ms: out.p50Ms, p99Ms: out.p99Ms, scrapes: scraped.scrapes, countedRecords: check };
  } finally {
    server.child.kill('SIGTERM');
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
let n = 0;
for (const row of ROWS) {
  const pairs = [];
  for (let p = 0; p < opt.pairs; p++) {
    // Alternate which side goes first, so a machine that slows down (or warms up) during the run
    // weighs on both sides.
    const order = p % 2 === 0 ? [true, false] : [false, true];
    const got = {};
    for (const metrics of order) {
      process.stderr.write(`  ${row.label}, metrics ${metrics ? 'on ' : 'off'} (pair ${p + 1}) ... `);
      got[metrics ? 'on' : 'off'] = await run(row, metrics, n++);
      process.stderr.write(`${Math.round(got[metrics ? 'on' : 'off'].recordsPerSec)} records/s\n`);
    }
    pairs.push({ on: got.on, off: got.off, cost: 1 - got.on.recordsPerSec / got.off.recordsPerSec });
  }
  results.push({ ...row, pairs, medianCost: median(pairs.map((x) => x.cost)), withinTarget: median(pairs.map((x) => x.cost)) <= 0.05 });
}

const report = { benchmark: 'metrics-cost', when: new Date().toISOString(), node: process.version, options: opt, target: 'median cost of the pairs at most 5% of throughput', results };
const file = opt.out || here(`./results/metrics-cost-${report.when.replace(/[:.]/g, '-')}.json`);
mkdirSync(here('./results'), { recursive: true });
writeFileSync(file, JSON.stringify(report, null, 2));

const pct = (x) => `${(x * 100).toFixed(1)}%`;
console.log(`\nMetrics on (scraped every second) vs --no-metrics, ${opt.batch} × ${opt.bytes} B, ${opt.concurrency} in flight, ${opt.seconds} s per run, fresh server per run`);
for (const r of results) {
  console.log(`\n${r.label}`);
  for (const [i, p] of r.pairs.entries()) {
    console.log(`  pair ${i + 1}: on ${Math.round(p.on.recordsPerSec)} records/s (p99 ${p.on.p99Ms?.toFixed(1)} ms, ${p.on.scrapes} scrapes, counted ${p.on.countedRecords} of ${p.on.records}), off ${Math.round(p.off.recordsPerSec)} records/s (p99 ${p.off.p99Ms?.toFixed(1)} ms): cost ${pct(p.cost)}`);
  }
  console.log(`  median cost ${pct(r.medianCost)} (target ≤ 5%: ${r.withinTarget ? 'met' : 'missed'})`);
}
console.log(`\nJSON: ${file}`);
