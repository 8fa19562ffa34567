// Enhanced fan-out benchmark: N registered consumers × M shards over WebSocket push. The server,
// the producer and the consumers are three processes on 127.0.0.1, each run bounded in time.
//   node bench/fanout.mjs [--seconds 5] [--consumers 8] [--shards 4] [--bytes 1024] [--batch 100] [--rate 0] [--out file]
//   (--help describes each)
// Two rows, each on a fresh stream of a fresh server (--no-throttle --in-memory):
//   saturated: the producer sends as fast as the server takes it (8 WebSocket connections × 16
//     batches in flight); the consumers' delivered MB/s is the fan-out throughput.
//   paced: the producer offers half of the saturated row's ingest rate (open loop); put → push
//     latency is the wall time from the producer's send to the consumer's receipt of the record,
//     leaving out records put in the first second (connection setup, JIT warm-up).
// Every consumer must receive every accepted record exactly once, in order per shard, in
// well-formed frames. Puts are 100 records (100 KB) by default: each put fans out to 8 consumers
// as 800 KB over loopback, and with 500 × 1 KiB puts that 4 MB burst alone takes milliseconds,
// which would set the latency floor rather than the server (--batch 500 shows it).
// --rate R runs one paced row at R records/s instead; --out FILE writes the JSON there.
// RIFFLE_PROFILE_DIR=dir adds --cpu-prof for the server and the consumers (profiles written there
// when they exit). kinesalite has no enhanced fan-out, so there is no baseline row.
// Writes bench/results/fanout-<time>.json.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { api } from './lib/aws-api.mjs';
import { parseOptions } from './lib/options.mjs';

const opt = parseOptions(process.argv.slice(2), {
  command: 'riffle fanout bench',
  defaults: { seconds: 5, consumers: 8, shards: 4, bytes: 1024, batch: 100, rate: 0, out: '' },
  text: ['out'],
  intro: [
    'usage: node bench/fanout.mjs [options]',
    '',
    'Enhanced fan-out benchmark: registered consumers × shards over WebSocket push, on a fresh',
    '--no-throttle --in-memory server per row; server, producer and consumers are separate processes.',
    'Rows: saturated, then paced at half the saturated ingest rate (or one paced row with --rate).',
  ],
  rows: [
    ['--seconds <n>', 5, 'how long the producer sends in each row, in seconds (fractions allowed)'],
    ['--consumers <n>', 8, 'registered consumers, each subscribed to every shard'],
    ['--shards <n>', 4, 'shards in the stream'],
    ['--bytes <n>', 1024, 'bytes of data per record'],
    ['--batch <n>', 100, 'records per put (8 WebSocket connections × 16 puts in flight when saturated)'],
    ['--rate <n>', 0, 'records/s for a single paced row instead of the two rows (0: saturated, then paced at half)'],
    ['--out <file>', 'bench/results/fanout-<time>.json', 'where the JSON report is written'],
  ],
  footer: ['RIFFLE_PROFILE_DIR=dir adds --cpu-prof for the server and the consumers (profiles written there).'],
});
const outFile = opt.out === '' ? null : opt.out;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const profile = process.env.RIFFLE_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RIFFLE_PROFILE_DIR}`] : [];

function startServer() {
  const child = spawn(process.execPath, [...profile, here('../dist/cli/main.js'), 'serve', '--port', '0', '--stream-port', '0', '--no-throttle', '--in-memory'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15000);
    const onData = (d) => {
      out += d;
      const m = /listening on http:\/\/[\d.]+:(\d+) .* and http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), streamPort: Number(m[2]) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

/** CPU seconds of a process, from /proc (Linux). */
function cpuSec(pid) {
  const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).split(') ')[1].split(' ');
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

async function run(label, rate) {
  const server = await startServer();
  try {
    const stream = 'fanout';
    await api(server.port, 'CreateStream', { StreamName: stream, ShardCount: opt.shards });
    const { StreamDescriptionSummary: summary } = await api(server.port, 'DescribeStreamSummary', { StreamName: stream });
    const arns = [];
    for (let c = 0; c < opt.consumers; c++) {
      arns.push((await api(server.port, 'RegisterStreamConsumer', { StreamARN: summary.StreamARN, ConsumerName: `c${c}` })).Consumer.ConsumerARN);
    }
    const consumers = spawn(process.execPath, [...profile, here('./load/push-consumers.mjs'), `ws://127.0.0.1:${server.streamPort}`, arns.join(','), String(opt.seconds + 60)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    consumers.stdout.on('data', (d) => (out += d));
    await new Promise((resolve, reject) => {
      const t = setInterval(() => out.includes('ready') && (clearInterval(t), resolve()), 10);
      consumers.once('exit', (code) => reject(new Error(`consumers exited ${code}: ${out}`)));
    });
    const cpu0 = cpuSec(server.child.pid);
    const t0 = performance.now();
    const producer = JSON.parse(
      execFileSync(process.execPath, [here('./load/put-records-load.mjs'), `http://127.0.0.1:${server.streamPort}`, 'ws', 'ws', stream, String(opt.seconds), '8', String(opt.batch), String(opt.bytes), String(rate)], {
        encoding: 'utf8',
        env: { ...process.env, STAMP_DATA: '1' },
        timeout: (opt.seconds + 30) * 1000,
      })
        .trim()
        .split('\n')
        .pop(),
    );
    consumers.stdin.write(`${producer.accepted}\n`);
    const result = await new Promise((resolve) => consumers.once('exit', () => resolve(JSON.parse(out.trim().split('\n').pop()))));
    const elapsed = (performance.now() - t0) / 1000;
    const serverCpu = (cpuSec(server.child.pid) - cpu0) / elapsed;
    const consumersCpu = result.cpuSeconds / elapsed;
    const complete = result.consumers.every((c) => c.records === producer.accepted && c.gaps === 0 && c.repeats === 0 && c.malformed === 0);
    const deliveredBytes = result.consumers.reduce((n, c) => n + c.bytes, 0);
    const pushSeconds = Math.max(...result.consumers.map((c) => c.seconds));
    return {
      label,
      consumers: opt.consumers,
      shards: opt.shards,
      recordBytes: opt.bytes,
      offeredRecordsPerSec: rate || null,
      ingestRecordsPerSec: producer.recordsPerSec,
      putAckP99Ms: producer.p99Ms,
      deliveredRecords: result.consumers.reduce((n, c) => n + c.records, 0),
      pushMegabytesPerSec: deliveredBytes / 1e6 / pushSeconds,
      putToPushP50Ms: result.latencyP50Ms,
      putToPushP99Ms: result.latencyP99Ms,
      exactlyOnceInOrder: complete,
      serverCpuCores: serverCpu,
      consumersCpuCores: consumersCpu,
      perConsumer: result.consumers,
    };
  } finally {
    server.child.kill('SIGTERM');
  }
}

const results = [];
if (opt.rate > 0) {
  process.stderr.write(`  paced at ${opt.rate} ... `);
  results.push(await run(`paced at ${opt.rate} records/s`, opt.rate));
  process.stderr.write(`p99 put → push ${results[0].putToPushP99Ms?.toFixed(1)} ms\n`);
} else {
process.stderr.write('  saturated ... ');
results.push(await run(`saturated: ${opt.consumers} consumers × ${opt.shards} shards, ${opt.bytes} B records`, 0));
process.stderr.write(`${Math.round(results[0].ingestRecordsPerSec)} records/s in, ${results[0].pushMegabytesPerSec.toFixed(0)} MB/s out\n`);
const half = Math.max(1, Math.round(results[0].ingestRecordsPerSec / 2));
process.stderr.write('  paced at half ... ');
results.push(await run(`paced at half the saturated ingest (${half} records/s)`, half));
process.stderr.write(`p99 put → push ${results[1].putToPushP99Ms?.toFixed(1)} ms\n`);
}

mkdirSync(here('./results'), { recursive: true });
const file = outFile ?? here(`./results/fanout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ options: opt, node: process.version, results }, null, 2));
const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : n.toFixed(d));
console.log(`\nEnhanced fan-out over WebSocket push, ${opt.consumers} consumers × ${opt.shards} shards, ${opt.bytes} B records, ${opt.seconds} s, --no-throttle --in-memory`);
console.log(['scenario'.padEnd(58), 'in rec/s'.padStart(10), 'push MB/s'.padStart(10), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'exact'.padStart(6), 'CPU'.padStart(5), 'cons'.padStart(5)].join(' '));
for (const r of results) {
  console.log(
    [r.label.padEnd(58), fmt(r.ingestRecordsPerSec).padStart(10), fmt(r.pushMegabytesPerSec).padStart(10), fmt(r.putToPushP50Ms, 1).padStart(8), fmt(r.putToPushP99Ms, 1).padStart(8), String(r.exactlyOnceInOrder).padStart(6), fmt(r.serverCpuCores, 2).padStart(5), fmt(r.consumersCpuCores, 2).padStart(5)].join(' '),
  );
}
console.log('push MB/s: record data delivered to all consumers together, over the time they were receiving. p50/p99: put → push per record (1 in 8, records put in the first second left out).');
console.log('CPU / cons: cores used by the server process / by the consumers process over the row.');
console.log(`JSON: ${file}`);
