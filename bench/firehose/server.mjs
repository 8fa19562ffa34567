// The Riffle server of the Firehose benchmark, its own process: `riffle serve` from dist/ with
// threads.cjs preloaded (so its CPU can be split by thread), and that CPU read from /proc.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const TICKS_PER_SEC = 100; // USER_HZ on Linux

/**
 * Starts `riffle serve --port 0 --stream-port 0 --s3-dir <s3Dir> --no-throttle` in memory, or on
 * `dataDir` (durable, the defaults users get: --fsync group). Resolves with its ports.
 */
export function startServer({ s3Dir, dataDir, threadsFile, loopFile, extraArgs = [] }) {
  const storage = dataDir === null ? ['--in-memory'] : ['--data-dir', dataDir];
  const args = ['--require', here('./threads.cjs'), here('../../dist/cli/main.js'), 'serve', '--port', '0', '--stream-port', '0', '--s3-dir', s3Dir, '--no-throttle', ...storage, ...extraArgs];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RIFFLE_BENCH_THREADS: threadsFile, RIFFLE_BENCH_LOOP: loopFile } });
  let out = '';
  const log = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`riffle did not start: ${out}`)), 20_000);
    const onData = (d) => {
      out += d;
      if (out.length > 1e5) out = out.slice(-5e4);
      const m = /listening on http:\/\/[\d.]+:(\d+) .* and http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m && child.ports === undefined) {
        clearTimeout(timer);
        child.ports = { aws: Number(m[1]), uws: Number(m[2]) };
        resolve({ child, ports: child.ports, log, threadsFile, loopFile });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      onData(d);
      // What the server says while it runs (delivery failures are logged there): kept for the report.
      for (const line of String(d).split('\n')) if (line.trim() !== '' && log.length < 50) log.push(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (child.ports === undefined) reject(new Error(`riffle exited ${code}: ${out}`));
    });
  });
}

export function stopServer(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

/** CPU ticks of each thread of `pid`: tid → utime + stime. */
export function threadTicks(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(tid, Number(f[11]) + Number(f[12]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** The kind of each JavaScript thread threads.cjs saw: tid → main | owner | pool. */
function threadKinds(file) {
  const kinds = new Map();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return kinds;
  }
  for (const line of text.split('\n')) {
    const [tid, kind] = line.split(' ');
    if (tid) kinds.set(tid, kind);
  }
  return kinds;
}

/**
 * The server's CPU between two threadTicks samples, in cores (CPU seconds per second of `sec`),
 * by kind of thread, plus how many threads of each kind did work. Threads started in between count
 * from zero; threads that ended in between are lost (Riffle starts none and ends none mid-run).
 */
export function cpuBetween(server, before, after, sec) {
  const kinds = threadKinds(server.threadsFile);
  const cores = { main: 0, owner: 0, pool: 0, other: 0, total: 0 };
  const threads = { main: 0, owner: 0, pool: 0, other: 0 };
  const busiest = { main: 0, owner: 0, pool: 0, other: 0 };
  for (const [tid, ticks] of after) {
    const kind = kinds.get(tid) ?? 'other';
    const c = (ticks - (before.get(tid) ?? 0)) / TICKS_PER_SEC / sec;
    cores[kind] += c;
    cores.total += c;
    if (kind !== 'other' || c > 0.01) threads[kind]++;
    busiest[kind] = Math.max(busiest[kind], c);
  }
  return { cores, threads, busiest };
}

/** The server's resident memory, bytes. */
export function rssBytes(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

/** The main thread's event-loop delay over [fromMs, toMs] (threads.cjs's per-second samples): medians of the per-second p50 and p99, and the worst. */
export function loopDelay(server, fromMs, toMs) {
  let text = '';
  try {
    text = readFileSync(server.loopFile, 'utf8');
  } catch {
    return null;
  }
  const rows = text.split('\n').map((l) => l.split(' ')).filter((f) => f[0] === 'loop' && Number(f[1]) > fromMs + 1000 && Number(f[1]) <= toMs + 500);
  if (rows.length === 0) return null;
  const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { p50Ms: med(rows.map((f) => Number(f[2]))), p99Ms: med(rows.map((f) => Number(f[3]))), maxMs: Math.max(...rows.map((f) => Number(f[4]))) };
}

/** Busy CPU of the whole machine (all processes), in ticks, from /proc/stat. */
export function machineTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait
  return f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
}

export const ticksToSec = (t) => t / TICKS_PER_SEC;
