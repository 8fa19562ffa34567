// The orchestrator's side of the normal client (normal-client.mjs, a child process): points it at
// a server, keeps every row it reports, and summarizes the rows of a time window.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { api } from '../lib/aws-api.mjs';

const CLIENT = fileURLToPath(new URL('./normal-client.mjs', import.meta.url));
const CLIENTS = ['awsPortH2', 'streamPortH1'];
/** A normal call slower than this is a hang (the target: none over 1 s). */
export const HANG_MS = 1000;
export const NORMAL_STREAM = 'hostile-normal-client';
const SHARDS = 8;
const SLOWEST_KEPT = 5;

/** Creates the normal client's stream on `server` and returns its shards with a hash key inside each. */
export async function createNormalStream(server) {
  await api(server.port, 'CreateStream', { StreamName: NORMAL_STREAM, ShardCount: SHARDS });
  for (let i = 0; i < 200; i++) {
    const d = await api(server.port, 'DescribeStreamSummary', { StreamName: NORMAL_STREAM });
    if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const { Shards } = await api(server.port, 'ListShards', { StreamName: NORMAL_STREAM });
  return Shards.map((s) => ({ id: s.ShardId, hashKey: (BigInt(s.HashKeyRange.StartingHashKey) + 1n).toString() }));
}

export class NormalClient {
  constructor(options) {
    this.perSec = options.perSec;
    this.timeoutMs = options.timeoutMs;
    this.rows = [];
    // The SDK warns once about Node 20's support ending; that is not this run's business.
    this.child = fork(CLIENT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    this.child.on('message', (msg) => {
      if (msg.type === 'samples') for (const r of msg.rows) this.rows.push(r);
      if (msg.type === 'ready') this.onReady?.();
    });
  }

  /** Points both loops at `server` (its normal stream made first); resolves once they run. */
  async target(server) {
    const shards = await createNormalStream(server);
    const ready = new Promise((r) => (this.onReady = r));
    this.child.send({ type: 'target', port: server.port, streamPort: server.streamPort, stream: NORMAL_STREAM, shards, perSec: this.perSec, timeoutMs: this.timeoutMs });
    await ready;
  }

  stop() {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      this.child.once('exit', () => (clearTimeout(kill), resolve()));
      this.child.send({ type: 'stop' });
    });
  }

  /** The calls started in [fromMs, toMs): per client and together. */
  summary(fromMs, toMs) {
    const rows = this.rows.filter((r) => r[2] >= fromMs && r[2] < toMs);
    const out = { all: summarize(rows) };
    CLIENTS.forEach((name, i) => (out[name] = summarize(rows.filter((r) => r[0] === i))));
    // The slowest calls, with when they started (ms into the window), to set beside the attack's events.
    out.slowest = rows
      .filter((r) => r[1] !== 2)
      .sort((a, b) => b[3] - a[3])
      .slice(0, SLOWEST_KEPT)
      .map((r) => ({ atMs: r[2] - fromMs, ms: round(r[3]), client: CLIENTS[r[0]], op: r[1] === 0 ? 'PutRecord' : 'GetRecords', error: r[5] || undefined }));
    return out;
  }

  /** The calls started at or after `fromMs`, in start order. */
  since(fromMs) {
    return this.rows.filter((r) => r[2] >= fromMs).sort((a, b) => a[2] - b[2]);
  }
}

const pct = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const round = (v) => (v === null ? null : Math.round(v * 10) / 10);

function summarize(rows) {
  const calls = rows.filter((r) => r[1] !== 2);
  const ms = calls.map((r) => r[3]).sort((a, b) => a - b);
  const errors = {};
  for (const r of calls) if (r[5] !== '') errors[r[5]] = (errors[r[5]] ?? 0) + 1;
  const lat = (op) => {
    const v = calls.filter((r) => r[1] === op).map((r) => r[3]).sort((a, b) => a - b);
    return { calls: v.length, p50Ms: round(pct(v, 50)), p99Ms: round(pct(v, 99)), maxMs: round(v.at(-1) ?? null) };
  };
  return {
    calls: calls.length,
    ok: calls.filter((r) => r[5] === '').length,
    errors,
    status5xx: calls.filter((r) => r[4] >= 500 && !r[5].endsWith('(body budget)')).length,
    budget503: calls.filter((r) => r[5].endsWith('(body budget)')).length,
    hangs: calls.filter((r) => r[3] > HANG_MS || r[5] === 'Timeout').length,
    skippedTicks: rows.length - calls.length,
    p50Ms: round(pct(ms, 50)),
    p99Ms: round(pct(ms, 99)),
    maxMs: round(ms.at(-1) ?? null),
    putRecord: lat(0),
    getRecords: lat(1),
  };
}
