// The server under attack: `riffle serve` as its own process (optionally under a lower descriptor
// limit, through `sh -c 'ulimit -n N; exec node ...'`, so the pid is the server's), with what the
// hostile run reads about it from /proc: resident memory and open descriptors. Its exit is a crash.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const LISTENING = /listening on (https?):\/\/([\d.]+):(\d+) .* and (https?):\/\/([\d.]+):(\d+)/;
/** Server log lines kept per server (the first ones: a flood of the same line says no more). */
const LOG_LINES_MAX = 200;

/**
 * Starts a server on ephemeral ports with a fresh data directory (durable: the default storage).
 * options: { args: extra flags, fdLimit: descriptors (ulimit -n) or undefined for the inherited, env: extra environment }.
 */
export async function startServer(options = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'riffle-hostile-'));
  const argv = [CLI, 'serve', '--port', '0', '--stream-port', '0', '--data-dir', dataDir, ...(options.args ?? [])];
  const spawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } };
  const child =
    options.fdLimit === undefined
      ? spawn(process.execPath, argv, spawnOptions)
      : spawn('sh', ['-c', `ulimit -n ${Number(options.fdLimit)} && exec "$0" "$@"`, process.execPath, ...argv], spawnOptions);
  const server = {
    child,
    pid: child.pid,
    dataDir,
    port: 0,
    streamPort: 0,
    exit: null, // { code, signal, at } once it has exited
    log: [], // [{ at, line }] of stderr (and stdout after the start-up line)
    logDropped: 0,
    stopping: false,
    alive: () => server.exit === null,
    rssBytes: () => rssOf(child.pid),
    fds: () => fdsOf(child.pid),
    stop: () => stopServer(server),
  };
  let started = false;
  let startup = '';
  const note = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      if (server.log.length < LOG_LINES_MAX) server.log.push({ at: Date.now(), line: line.slice(0, 2000) });
      else server.logDropped++;
    }
  };
  child.stderr.on('data', note);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${startup}`)), 20_000);
    child.stdout.on('data', (d) => {
      if (started) return note(d);
      startup += d;
      const m = LISTENING.exec(startup);
      if (m === null) return;
      started = true;
      clearTimeout(timer);
      server.port = Number(m[3]);
      server.streamPort = Number(m[6]);
      resolve();
    });
    child.once('exit', (code, signal) => {
      server.exit = { code, signal, at: Date.now() };
      clearTimeout(timer);
      if (!started) reject(new Error(`server exited (${code ?? signal}) before listening: ${startup}${server.log.map((l) => l.line).join('\n')}`));
    });
  });
  return server;
}

/** SIGTERM, then SIGKILL after 10 s; removes the data directory. */
function stopServer(server) {
  server.stopping = true;
  return new Promise((resolve) => {
    const done = () => {
      rmSync(server.dataDir, { recursive: true, force: true });
      resolve();
    };
    if (server.exit !== null) return done();
    const kill = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
    server.child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    server.child.kill('SIGTERM');
  });
}

/** VmRSS of a process in bytes, or null once it is gone (Linux /proc). */
export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

/** Open descriptors of a process, or null once it is gone. */
export function fdsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** This process's own descriptor limit (soft), from /proc/self/limits. */
export function ownFdLimit() {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m === null || m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
}
