// Firehose delivery to an HTTP endpoint: a fresh `riffle serve --no-throttle --in-memory`, a
// receiver (http-receiver.mjs) and the load generator (load.mjs, PutRecordBatch over HTTP/1.1) as
// separate processes on 127.0.0.1, 1 KiB JSON clickstream events. Phases, each bounded in time:
//   saturated: PutRecordBatch as fast as it is answered; delivered MB/s at the receiver, from the
//              first put to the last record received (every accepted record must arrive)
//   paced:     open loop at --pace of the saturated rate; put → receiver p50/p99 per record
//   direct:    the same requests (a SizeInMBs buffer of records, one request in flight, as one
//              delivery stream sends them) posted straight to the receiver: the physical limit here
// Writes bench/results/firehose-http-<time>.json and prints a table.
//   node bench/firehose/http.mjs [--seconds 5] [--size-mb 1] [--pace 0.5] [--encoding NONE] [--out file]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from '../lib/options.mjs';
import { call } from './api.mjs';
import { makeCorpus } from './events.mjs';
import { startServer, stopServer } from './server.mjs';

const opt = parseOptions(process.argv.slice(2), {
  command: 'riffle bench firehose-http',
  defaults: { seconds: 5, 'size-mb': 1, pace: 0.5, batch: 500, bytes: 1024, concurrency: 8, encoding: 'NONE', out: '' },
  text: ['encoding', 'out'],
  positive: true,
  intro: [
    'usage: riffle bench firehose-http [options]   (also: node bench/firehose/http.mjs)',
    '',
    'Firehose to an HTTP endpoint: riffle, a receiver and the load generator as separate processes on',
    '127.0.0.1. Saturated: delivered MB/s at the receiver; paced: put → receiver p50/p99; direct: the',
    'same requests posted straight to the receiver (the limit this machine gives one delivery stream).',
  ],
  rows: [
    ['--seconds <n>', 5, 'how long each phase sends'],
    ['--size-mb <n>', 1, "the delivery stream's BufferingHints.SizeInMBs (1-64); IntervalInSeconds is 0"],
    ['--pace <f>', 0.5, 'the paced phase offers this fraction of the saturated rate'],
    ['--batch <n>', 500, 'records per PutRecordBatch'],
    ['--bytes <n>', 1024, 'bytes per record (at least 400)'],
    ['--concurrency <n>', 8, 'PutRecordBatch calls in flight'],
    ['--encoding <e>', 'NONE', 'RequestConfiguration.ContentEncoding: NONE or GZIP'],
    ['--out <file>', 'bench/results/firehose-http-<time>.json', 'where the JSON report is written'],
  ],
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function startReceiver(file) {
  const child = spawn(process.execPath, [here('./http-receiver.mjs'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m && child.port === undefined) {
        child.port = Number(m[1]);
        resolve(child);
      }
    });
    child.once('exit', (code) => child.port === undefined && reject(new Error(`receiver exited ${code}`)));
  });
}

/** Stops the receiver: what it got, and each record's arrival (wall ms by seq). */
function stopReceiver(child, file) {
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', () => resolve({ ...JSON.parse(out.trim().split('\n').pop()), arrivals: new Float64Array(readFileSync(file).buffer.slice(0)) }));
    child.kill('SIGTERM');
  });
}

function load(port, name, rate, seed) {
  const args = { mode: 'firehose-raw', url: `http://127.0.0.1:${port}`, name, batch: opt.batch, bytes: opt.bytes, concurrency: opt.concurrency, seconds: opt.seconds, rate, seed };
  const out = execFileSync(process.execPath, [here('./load.mjs'), JSON.stringify(args)], { encoding: 'utf8', timeout: (opt.seconds + 60) * 1000 });
  return JSON.parse(out.trim().split('\n').pop());
}

const pct = (xs, p) => (xs.length === 0 ? null : xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]);

async function phase(label, rate, seed) {
  const dir = mkdtempSync(join(tmpdir(), 'riffle-bench-http-'));
  const file = join(dir, 'arrivals.bin');
  const receiver = await startReceiver(file);
  const server = await startServer({ s3Dir: join(dir, 's3'), dataDir: null, threadsFile: join(dir, 'threads.json'), loopFile: join(dir, 'loop.json') });
  try {
    const name = `http-${seed}`;
    await call(server.ports.aws, 'firehose', 'CreateDeliveryStream', {
      DeliveryStreamName: name,
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: { Url: `http://127.0.0.1:${receiver.port}/` },
        BufferingHints: { SizeInMBs: opt['size-mb'], IntervalInSeconds: 0 },
        RequestConfiguration: { ContentEncoding: opt.encoding },
        RetryOptions: { DurationInSeconds: 60 },
        S3Configuration: { RoleARN: 'arn:aws:iam::000000000000:role/firehose-bench', BucketARN: 'arn:aws:s3:::http-backup' },
      },
    });
    process.stderr.write(`  ${label} ... `);
    const put = load(server.ports.aws, name, rate, seed);
    // Every accepted record reaches the receiver (bounded wait).
    const deadline = Date.now() + 60_000;
    let got = null;
    for (;;) {
      const metrics = await (await fetch(`http://127.0.0.1:${server.ports.aws}/metrics`)).text();
      const delivered = Number(new RegExp(`^aws_firehose_delivery_to_http_endpoint_records_total\\{delivery_stream_name="${name}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
      if (delivered >= put.accepted || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    got = await stopReceiver(receiver, file);
    const latencies = [];
    let missing = 0;
    for (const [first, count, sentMs] of put.sends) {
      for (let s = first; s < first + count; s++) {
        const at = got.arrivals[s] ?? 0;
        if (at === 0) missing++;
        else latencies.push(at - sentMs);
      }
    }
    latencies.sort((a, b) => a - b);
    const deliveredSec = (got.lastMs - put.startMs) / 1000;
    const row = {
      label,
      acceptedRecords: put.accepted,
      receivedRecords: got.records,
      missing: Math.max(0, missing - put.failed),
      requests: got.requests,
      acceptedMBps: put.megabytesPerSec,
      deliveredMBps: got.bytes / 1e6 / deliveredSec,
      putToReceiverP50Ms: pct(latencies, 50),
      putToReceiverP99Ms: pct(latencies, 99),
    };
    process.stderr.write(`${row.deliveredMBps.toFixed(1)} MB/s delivered, p99 ${row.putToReceiverP99Ms?.toFixed(0)} ms\n`);
    return row;
  } finally {
    receiver.kill('SIGKILL');
    stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same requests straight to the receiver, one in flight: what one delivery stream's sequential requests can reach here. */
async function direct() {
  const dir = mkdtempSync(join(tmpdir(), 'riffle-bench-http-'));
  const file = join(dir, 'arrivals.bin');
  const receiver = await startReceiver(file);
  try {
    process.stderr.write('  direct to the receiver ... ');
    const corpus = makeCorpus(4096, opt.bytes, 7);
    const perRequest = Math.min(10_000, Math.floor((opt['size-mb'] * 1024 * 1024) / opt.bytes));
    const body = Buffer.from(JSON.stringify({ requestId: 'r', timestamp: Date.now(), records: Array.from({ length: perRequest }, (_, i) => ({ data: corpus[i % corpus.length].toString('base64') })) }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = () =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: receiver.port, method: 'POST', path: '/', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
          res.resume();
          res.once('end', resolve);
        });
        req.once('error', reject);
        req.end(body);
      });
    const t0 = performance.now();
    let sent = 0;
    while (performance.now() - t0 < opt.seconds * 1000) {
      await post();
      sent++;
    }
    const sec = (performance.now() - t0) / 1000;
    agent.destroy();
    const row = { label: 'direct to the receiver (the limit)', requests: sent, deliveredMBps: (sent * perRequest * opt.bytes) / 1e6 / sec };
    process.stderr.write(`${row.deliveredMBps.toFixed(1)} MB/s\n`);
    return row;
  } finally {
    receiver.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const saturated = await phase('saturated', 0, 1);
const rate = Math.max(1, Math.round((saturated.acceptedRecords / opt.seconds) * opt.pace));
const paced = await phase(`paced at ${Math.round(opt.pace * 100)}% (${rate} records/s)`, rate, 2);
const limit = await direct();
const results = [saturated, paced, limit];
for (const r of results.slice(0, 2)) r.ratioToLimit = r.deliveredMBps / limit.deliveredMBps;
const report = { benchmark: 'firehose-http', when: new Date().toISOString(), node: process.version, options: opt, results };
const out = opt.out || here(`../results/firehose-http-${report.when.replace(/[:.]/g, '-')}.json`);
mkdirSync(here('../results'), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2));
const f = (n, d = 1) => (n === null || n === undefined ? '-' : n.toFixed(d));
console.log(`\nFirehose → HTTP endpoint, ${opt.bytes} B JSON events, SizeInMBs ${opt['size-mb']}, IntervalInSeconds 0, ContentEncoding ${opt.encoding}, ${opt.seconds} s per phase`);
console.log(['phase'.padEnd(40), 'delivered MB/s'.padStart(15), 'vs limit'.padStart(9), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'missing'.padStart(8)].join(' '));
for (const r of results) console.log([r.label.padEnd(40), f(r.deliveredMBps).padStart(15), (r.ratioToLimit === undefined ? '-' : `${Math.round(r.ratioToLimit * 100)}%`).padStart(9), f(r.putToReceiverP50Ms, 0).padStart(8), f(r.putToReceiverP99Ms, 0).padStart(8), String(r.missing ?? '-').padStart(8)].join(' '));
console.log(`\nJSON: ${out}`);
