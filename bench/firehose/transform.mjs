// Firehose transforms: records/s of a handler that parses and re-emits JSON (json-transform.mjs),
// 1 KiB clickstream events in invocations of BufferSizeInMBs (1 MB: about 1,000 records each).
//   loop:   the handler called in a plain loop on this process's main thread (one core), two ways:
//           each event made from its records in the loop (lambdaEvent, as every invocation needs
//           one: the work a pool thread does), and the handler alone over 8 events made before the
//           clock starts (the same strings again and again: an upper bound)
//   pool:   the same invocations through Riffle's handler pool (HandlerPool, riffle/internal) with
//           1..--threads threads, as delivery sends them (the records packed into one buffer moved
//           to the thread, the event made there) and each answer judged here, 2 per thread in flight
//   riffle: end to end, a fresh `riffle serve --lambda` (own process) and the load generator (own
//           process, PutRecordBatch over HTTP/1.1): records the transform returned Ok per second,
//           from the first put until SucceedProcessing.Records has them all
// loop and pool run as --rounds interleaved rounds; the report has each round and the medians.
// Writes bench/results/firehose-transform-<time>.json and prints a table.
//   node bench/firehose/transform.mjs [--seconds 3] [--rounds 3] [--threads <cores>] [--out file]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HandlerPool, judgeAnswer, lambdaEvent } from 'riffle/internal';
import { parseOptions } from '../lib/options.mjs';
import { call } from './api.mjs';
import { makeCorpus } from './events.mjs';
import { startServer, stopServer } from './server.mjs';
import { handler } from './json-transform.mjs';

const opt = parseOptions(process.argv.slice(2), {
  command: 'riffle bench firehose-transform',
  defaults: { seconds: 3, rounds: 3, threads: Math.max(1, availableParallelism()), bytes: 1024, 'size-mb': 1, out: '' },
  text: ['out'],
  positive: true,
  intro: [
    'usage: riffle bench firehose-transform [options]   (also: node bench/firehose/transform.mjs)',
    '',
    'A Lambda transform that parses and re-emits JSON: records/s in a plain loop on one core, through',
    "Riffle's handler pool (per thread, against the loop), and end to end through a Riffle server.",
  ],
  rows: [
    ['--seconds <n>', 3, 'how long each measurement runs'],
    ['--rounds <n>', 3, 'interleaved rounds of loop and pool'],
    ['--threads <n>', 'cores', 'the pool is measured with 1 to this many threads'],
    ['--bytes <n>', 1024, 'bytes per record (at least 400)'],
    ['--size-mb <n>', 1, "records per invocation, in MB (the processor's BufferSizeInMBs, 0.2-3)"],
    ['--out <file>', 'bench/results/firehose-transform-<time>.json', 'where the JSON report is written'],
  ],
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const HANDLER = here('./json-transform.mjs');
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:json';
const perInvocation = Math.max(1, Math.floor((opt['size-mb'] * 1024 * 1024) / opt.bytes));
const corpus = makeCorpus(4096, opt.bytes, 3);
let nextId = 0;
const recordsFor = () => Array.from({ length: perInvocation }, (_, i) => ({ recordId: String(nextId++).padStart(26, '0'), arrivalMs: Date.now(), data: corpus[(nextId + i) % corpus.length] }));
const invocationOf = (records) => ({ invocationId: `inv-${nextId}`, deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/bench', region: 'us-east-1', records });
const eventOf = (records) => lambdaEvent(invocationOf(records));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The handler in a plain loop on this thread: `made`, each event made in the loop; else over 8 events made beforehand. */
async function loop(made) {
  const events = made ? [] : Array.from({ length: 8 }, () => eventOf(recordsFor()));
  let records = 0;
  let i = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < opt.seconds * 1000) {
    const answer = await handler(made ? eventOf(recordsFor()) : events[i++ % events.length]);
    records += answer.records.length;
  }
  return records / ((performance.now() - t0) / 1000);
}

/** The pool with `threads` threads, each invocation's event made and answer judged here as delivery does. */
async function pool(threads) {
  const p = HandlerPool.create({ threads });
  try {
    // Warm: every thread has loaded the module.
    await Promise.all(Array.from({ length: threads }, () => p.invoke(HANDLER, ARN, invocationOf(recordsFor().slice(0, 1)), 60_000)));
    let records = 0;
    let failed = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (performance.now() - t0 < opt.seconds * 1000) {
        const sent = recordsFor();
        const inv = await p.invoke(HANDLER, ARN, invocationOf(sent), 60_000);
        const judged = inv.ok ? judgeAnswer(sent, inv.answer) : null;
        if (judged?.ok === true) records += judged.outcomes.filter((o) => o.result === 'Ok').length;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: threads * 2 }, worker));
    if (failed > 0) throw new Error(`${failed} invocations failed in the pool`);
    return records / ((performance.now() - t0) / 1000);
  } finally {
    await p.close();
  }
}

/** End to end: a Riffle server with the handler registered, PutRecordBatch from its own process. */
async function riffle() {
  const dir = mkdtempSync(join(tmpdir(), 'riffle-bench-transform-'));
  const server = await startServer({ s3Dir: join(dir, 's3'), dataDir: null, threadsFile: join(dir, 'threads.json'), loopFile: join(dir, 'loop.json'), extraArgs: ['--lambda', `json=${HANDLER}`] });
  try {
    const name = 'transform-bench';
    await call(server.ports.aws, 'firehose', 'CreateDeliveryStream', {
      DeliveryStreamName: name,
      ExtendedS3DestinationConfiguration: {
        RoleARN: 'arn:aws:iam::000000000000:role/firehose-bench',
        BucketARN: 'arn:aws:s3:::transform-bench',
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 1 },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: ARN }, { ParameterName: 'BufferSizeInMBs', ParameterValue: String(opt['size-mb']) }, { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '1' }] }] },
      },
    });
    const args = { mode: 'firehose-raw', url: `http://127.0.0.1:${server.ports.aws}`, name, batch: 500, bytes: opt.bytes, concurrency: 8, seconds: opt.seconds, rate: 0, seed: 5 };
    const put = JSON.parse(execFileSync(process.execPath, [here('./load.mjs'), JSON.stringify(args)], { encoding: 'utf8', timeout: (opt.seconds + 60) * 1000 }).trim().split('\n').pop());
    const deadline = Date.now() + 120_000;
    let ok = 0;
    for (;;) {
      const metrics = await (await fetch(`http://127.0.0.1:${server.ports.aws}/metrics`)).text();
      ok = Number(new RegExp(`^aws_firehose_succeed_processing_records_total\\{delivery_stream_name="${name}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
      if (ok >= put.accepted || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const sec = (Date.now() - put.startMs) / 1000;
    return { acceptedRecords: put.accepted, transformedRecords: ok, acceptedPerSec: put.accepted / opt.seconds, transformedPerSec: ok / sec };
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rounds = [];
for (let r = 0; r < opt.rounds; r++) {
  const round = { loop: await loop(true), handlerAlone: await loop(false), pool: {} };
  for (let t = 1; t <= opt.threads; t++) round.pool[t] = await pool(t);
  rounds.push(round);
  process.stderr.write(`  round ${r + 1}: loop ${Math.round(round.loop)}/s (handler alone ${Math.round(round.handlerAlone)}/s), pool ${Object.entries(round.pool).map(([t, v]) => `${t}×: ${Math.round(v)}/s`).join(', ')}\n`);
}
const loopMedian = median(rounds.map((r) => r.loop));
const results = [
  { label: 'plain loop, one core (the limit)', recordsPerSec: loopMedian },
  { label: 'plain loop, handler alone (events reused)', recordsPerSec: median(rounds.map((r) => r.handlerAlone)) },
];
for (let t = 1; t <= opt.threads; t++) {
  const perThread = rounds.map((r) => r.pool[t] / t / r.loop); // each round against its own loop
  const perThreadAlone = rounds.map((r) => r.pool[t] / t / r.handlerAlone);
  results.push({ label: `handler pool, ${t} thread${t > 1 ? 's' : ''}`, threads: t, recordsPerSec: median(rounds.map((r) => r.pool[t])), perThreadVsLoop: median(perThread), perThreadVsLoopByRound: perThread, perThreadVsHandlerAlone: median(perThreadAlone) });
}
process.stderr.write('  end to end through riffle serve ... ');
const e2e = await riffle();
process.stderr.write(`${Math.round(e2e.transformedPerSec)} records/s\n`);
results.push({ label: 'end to end (riffle serve, PutRecordBatch)', recordsPerSec: e2e.transformedPerSec, ...e2e });
const report = { benchmark: 'firehose-transform', when: new Date().toISOString(), node: process.version, cores: availableParallelism(), options: opt, recordsPerInvocation: perInvocation, rounds, results };
const out = opt.out || here(`../results/firehose-transform-${report.when.replace(/[:.]/g, '-')}.json`);
mkdirSync(here('../results'), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2));
console.log(`\nFirehose transform (parse and re-emit JSON), ${opt.bytes} B events, ${perInvocation} records per invocation, medians of ${opt.rounds} rounds of ${opt.seconds} s`);
console.log(['run'.padEnd(44), 'records/s'.padStart(10), 'per thread vs loop'.padStart(19), 'vs handler alone'.padStart(17)].join(' '));
const pc = (x) => (x === undefined ? '-' : `${Math.round(x * 100)}%`);
for (const r of results) console.log([r.label.padEnd(44), String(Math.round(r.recordsPerSec)).padStart(10), pc(r.perThreadVsLoop).padStart(19), pc(r.perThreadVsHandlerAlone).padStart(17)].join(' '));
console.log(`\nJSON: ${out}`);
