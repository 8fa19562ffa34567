// A hostile run (issue 14): the real server as its own process on 127.0.0.1, attacked phase by
// phase while a normal client (AWS SDK v3, its own process: bench/hostile/normal-client.mjs) puts
// and reads records, each phase bounded in time:
//   1 baseline        the normal client alone
//   2 http-fuzz       fuzzed requests on both ports (HTTP/1.1, h2c, raw sockets; JSON, CBOR, S3)
//   3 ws-fuzz         fuzzed WebSocket frames at /ingest and /subscribe
//   4 h2-abuse        HTTP/2 floods and resets on the AWS port
//   5 slow-idle       idle connections up to the limits, dripped headers (and bodies, from phase 2 on)
//   6 body-flood      slow bodies of ~8 MiB past the request-body budget
//   7 fd-exhaustion   a server under ulimit -n 512 runs out of descriptors; how soon do writes come back
// Each phase reports requests tried, server crashes, normal-client hangs (> 1 s), 5xx (the body
// budget's 503 apart), the normal client's p50/p99/max, and server RSS before, peak and after (a
// bounded settle). One JSON document to stdout and bench/results/hostile-<time>.json; a summary
// to stderr.
//   node bench/hostile.mjs [--seconds 12] [--slow-seconds 25] [--phases all] ... (--help)
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseOptions } from './lib/options.mjs';
import { rng } from './hostile/cases.mjs';
import { bodyFlood } from './hostile/flood.mjs';
import { descriptorExhaustion } from './hostile/fds.mjs';
import { h2Abuse } from './hostile/h2-abuse.mjs';
import { httpFuzz } from './hostile/http-fuzz.mjs';
import { rssSampler, settle } from './hostile/measure.mjs';
import { NORMAL_STREAM, NormalClient } from './hostile/normal.mjs';
import { startServer } from './hostile/server.mjs';
import { cleanupFuzz, setupFuzz } from './hostile/setup.mjs';
import { slowAndIdle, startBodyDrippers } from './hostile/slow.mjs';
import { summarize } from './hostile/report.mjs';
import { wsFuzz } from './hostile/ws-fuzz.mjs';

const PHASES = ['baseline', 'http-fuzz', 'ws-fuzz', 'h2-abuse', 'slow-idle', 'body-flood', 'fd-exhaustion'];
const opt = parseOptions(process.argv.slice(2), {
  command: 'riffle bench hostile',
  defaults: { seconds: 12, 'slow-seconds': 25, 'settle-seconds': 10, seed: 14, concurrency: 16, 'normal-rate': 10, 'fd-limit': 512, 'fd-margin': 1000, 'idle-max': 30_000, 'max-requests': 1_000_000, 'bodies-bytes': 256 * 1024 * 1024, phases: 'all', out: '' },
  text: ['phases', 'out'],
  positive: true,
  intro: [
    'usage: riffle bench hostile [options]   (also: node bench/hostile.mjs [options])',
    '',
    'A hostile run against `riffle serve` (durable, its own process, 127.0.0.1): fuzzed HTTP requests and',
    'WebSocket frames, HTTP/2 abuse, slow and idle connections up to the limits, body floods and descriptor',
    'exhaustion, each phase bounded in time, with a normal AWS SDK client measured alongside. Targets: no',
    'crash, no normal call over 1 s, no 5xx but the body budget\'s 503, RSS back within 10% after each',
    'attack, writes working within 1 s of descriptors becoming free. The default run takes about 3 minutes.',
  ],
  rows: [
    ['--seconds <n>', 12, 'how long each phase attacks (baseline too; fd-exhaustion holds for half of it)'],
    ['--slow-seconds <n>', 25, 'how long slow-idle runs (over 20 s shows the AWS port cutting dripped headers)'],
    ['--settle-seconds <n>', 10, 'at most this long after a phase for RSS to come back or stop falling'],
    ['--seed <n>', 14, 'seed of the fuzzers (a run is repeatable)'],
    ['--concurrency <n>', 16, 'fuzz requests (HTTP) and WebSocket connections in flight'],
    ['--normal-rate <n>', 10, 'PutRecord + GetRecords pairs per second from each of the two normal clients'],
    ['--fd-limit <n>', 512, 'ulimit -n of the fd-exhaustion phase\'s server'],
    ['--fd-margin <n>', 1000, 'descriptors slow-idle leaves free (of the lower of its own and the server\'s limit)'],
    ['--idle-max <n>', 30000, 'idle connections slow-idle opens at most'],
    ['--max-requests <n>', 1000000, 'fuzz requests per phase at most'],
    ['--bodies-bytes <n>', 268435456, 'the server\'s --request-bodies-bytes (body-flood sends half again as much)'],
    ['--phases <list>', 'all', `comma-separated, from: ${PHASES.join(', ')}`],
    ['--out <file>', 'bench/results/hostile-<time>.json', 'where the JSON report is written'],
  ],
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A sleep that does not keep the process alive (the bound on an attacker that does not return). */
const bound = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const selected = opt.phases === 'all' ? PHASES : opt.phases.split(',').map((p) => p.trim());
for (const p of selected) if (!PHASES.includes(p)) (console.error(`riffle bench hostile: unknown phase '${p}' (phases: ${PHASES.join(', ')})`), process.exit(2));
const serverArgs = ['--request-bodies-bytes', String(opt['bodies-bytes'])];
const r = rng(opt.seed);
const started = Date.now();

let server = await startServer({ args: serverArgs });
const normal = new NormalClient({ perSec: opt['normal-rate'], timeoutMs: 5000 });
await normal.target(server);
let ctx = await setupFuzz(server);
const protectedNames = [NORMAL_STREAM, 'wsfuzz'];
let drippers = null;
await sleep(1000); // the normal client's first calls (connections, JIT) stay out of the baseline

const attacks = {
  baseline: ({ deadline }) => sleep(deadline - Date.now()).then(() => ({ requests: 0 })),
  'http-fuzz': (a) => httpFuzz({ ...a, r, maxRequests: opt['max-requests'], concurrency: opt.concurrency, ctx, protectedNames }),
  'ws-fuzz': (a) => wsFuzz({ ...a, r, maxRequests: opt['max-requests'], concurrency: Math.max(2, Math.ceil(opt.concurrency / 2)), ctx: { ...ctx, consumerArn: ctx.wsConsumerArn } }),
  'h2-abuse': (a) => h2Abuse(a),
  'slow-idle': (a) => slowAndIdle({ ...a, fdMargin: opt['fd-margin'], maxIdle: opt['idle-max'], bodyDrippers: drippers }),
  'body-flood': (a) => bodyFlood({ ...a, budgetBytes: opt['bodies-bytes'] }),
};

/** Runs one attack on the main server and measures around it. */
async function phase(name) {
  if (!server.alive()) {
    server = await startServer({ args: serverArgs });
    await normal.target(server);
    ctx = await setupFuzz(server);
  }
  const seconds = name === 'slow-idle' ? opt['slow-seconds'] : opt.seconds;
  const rssBefore = server.rssBytes();
  const sampler = rssSampler(server);
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  const tracked = new Set();
  const track = (s) => tracked.add(s);
  let result;
  try {
    // Bounded: an attacker that does not return a minute after its deadline is abandoned.
    result = await Promise.race([attacks[name]({ server, deadline, track }), bound(seconds * 1000 + 60_000).then(() => ({ attackerError: 'did not finish within a minute of its deadline' }))]);
  } catch (err) {
    result = { attackerError: String(err?.stack ?? err).slice(0, 500) };
  }
  for (const s of tracked) s.destroy?.();
  const t1 = Date.now();
  const rssPeak = sampler.stop();
  if (server.alive() && name !== 'baseline') await cleanupFuzz(server).catch(() => {});
  const settled = await settle(server, rssBefore, opt['settle-seconds'] * 1000);
  const crashed = server.exit !== null && server.exit.at >= t0;
  return { name, seconds: (t1 - t0) / 1000, window: [t0, t1], server: { rssBeforeBytes: rssBefore, rssPeakBytes: rssPeak, ...settled, crashed, exit: server.exit }, result, log: server.log.filter((l) => l.at >= t0) };
}

const phases = [];
for (const name of selected) {
  if (name === 'http-fuzz' || (drippers === null && name !== 'baseline' && selected.includes('slow-idle'))) drippers ??= startBodyDrippers(server);
  process.stderr.write(`hostile: ${name}...\n`);
  if (name === 'fd-exhaustion') {
    const t0 = Date.now();
    let res;
    try {
      res = await descriptorExhaustion({ fdLimit: opt['fd-limit'], seconds: Math.max(0.5, opt.seconds / 2), normal, serverArgs, settleMs: opt['settle-seconds'] * 1000 });
    } catch (err) {
      res = { attackerError: String(err?.stack ?? err).slice(0, 500), window: [t0, Date.now()], server: { crashed: false } };
    }
    const { window, server: metrics, ...result } = res;
    phases.push({ name, seconds: (window[1] - window[0]) / 1000, window, server: metrics, result, log: [] });
    if (server.alive() && selected.indexOf(name) < selected.length - 1) await normal.target(server);
    continue;
  }
  phases.push(await phase(name));
}
drippers?.stop();
await normal.stop();
const mainServerLog = server.log;
await server.stop();

const report = summarize({ opt, phases, normal, startedMs: started, mainServerLog });
const out = opt.out || here(`./results/hostile-${report.date.replace(/[:.]/g, '-')}.json`);
mkdirSync(here('./results'), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 1));
process.stdout.write(`${JSON.stringify(report)}\n`);
process.stderr.write(`${report.summaryText}\nreport: ${out}\n`);
