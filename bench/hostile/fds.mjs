// Phase 7: descriptor exhaustion. A server of its own under a low descriptor limit (ulimit -n,
// default 512; durable, with 4 KiB segments so that writes keep opening new segment files) gets
// idle connections (HTTP/2 prefaces on the AWS port, which then idle for 120 s, and some on the
// stream port) until its descriptors run out. Meanwhile, every 250 ms: a PutRecord on a fresh
// connection to each port, one on a connection opened before, and once a CreateStream (new shard
// files) with a write to it. Then the connections close, and each kind of write is timed until it
// works again (target: within 1 s). Robust to either outcome: it measures, it does not judge.
import http from 'node:http';
import { api } from '../lib/aws-api.mjs';
import { h1Request } from './clients.mjs';
import { PREFACE, settingsFrame } from './h2-frames.mjs';
import { AUTH, sendRaw, validRequest } from './raw-http.mjs';
import { rssSampler, settle } from './measure.mjs';
import { startServer } from './server.mjs';
import { hold, release } from './sockets.mjs';

const PROBE_EVERY_MS = 250;
const RECOVERY_PROBE_MS = 50;
/** How long after the release each write is tried at most: the phase's seconds, from 2 to 10. */
const recoveryMaxMs = (seconds) => Math.min(10, Math.max(2, seconds * 2)) * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const put = (stream) => JSON.stringify({ StreamName: stream, PartitionKey: `k${Math.random()}`, Data: Buffer.alloc(1500, 0x61).toString('base64') });
const HEADERS = (target) => ({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, authorization: AUTH, 'x-amz-date': '20260101T000000Z' });

/**
 * One round of probes, each resolving to an HTTP status or an error word; `newStream` adds a write
 * to that stream (with `recreate`, created again first if it does not exist).
 */
function probes(server, agent, newStream, recreate = false) {
  const fresh = (port) => sendRaw(port, validRequest(`127.0.0.1:${port}`, 'Kinesis_20131202.PutRecord', put('fdprobe')), 2000).then((r) => r.status ?? (r.closed ? 'closed' : 'no answer'));
  const kept = (stream) => h1Request(server.port, agent, 'POST', '/', HEADERS('Kinesis_20131202.PutRecord'), Buffer.from(put(stream)), 2000).then((r) => r.status ?? (r.timeout ? 'no answer' : (r.error ?? 'error')));
  return {
    freshAwsPort: () => fresh(server.port),
    freshStreamPort: () => fresh(server.streamPort),
    keptConnection: () => kept('fdprobe'),
    ...(newStream === undefined ? {} : { newStream: () => kept(newStream).then((status) => (status === 400 && recreate ? createThenPut(server, agent, newStream, kept) : status)) }),
  };
}

/**
 * A CreateStream that failed while descriptors were out did not create the stream (all or nothing:
 * its PutRecord answers 400 ResourceNotFound), so a client creates it again, as after any 5xx.
 */
async function createThenPut(server, agent, stream, kept) {
  const created = await h1Request(server.port, agent, 'POST', '/', HEADERS('Kinesis_20131202.CreateStream'), Buffer.from(JSON.stringify({ StreamName: stream, ShardCount: 1 })), 2000);
  if (created.status !== 200 && created.status !== 400) return created.status ?? 'no answer';
  return kept(stream);
}

/**
 * Runs on a server of its own, so it reports that server's RSS and exit itself (`server` in the
 * result: { rssBeforeBytes, rssPeakBytes, rssAfterBytes, crashed, ... }), and the time window
 * (`window`) to take the normal client's calls from.
 */
export async function descriptorExhaustion({ fdLimit, seconds, normal, serverArgs, settleMs }) {
  const server = await startServer({ fdLimit, args: ['--segment-bytes', '4096', ...serverArgs] });
  const sockets = [];
  const track = (s) => sockets.push(s);
  try {
    await normal.target(server);
    await api(server.port, 'CreateStream', { StreamName: 'fdprobe', ShardCount: 1 });
    await sleep(600);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const p = probes(server, agent);
    let logSince = 0;
    /** The server's log since logSince: its distinct lines (stack frames left out) with counts. */
    const log = () => {
      const counts = new Map();
      for (const l of server.log) if (l.at >= logSince && !/^\s+(at |errno:|code:|syscall:|path:)|^\s*[{}]$/.test(l.line)) counts.set(l.line.slice(0, 240), (counts.get(l.line.slice(0, 240)) ?? 0) + 1);
      return [...counts].slice(0, 10).map(([line, n]) => (n === 1 ? line : `${line} (×${n})`));
    };
    await sleep(1000); // the normal client's first calls
    const before = { serverFds: server.fds(), keptConnection: await p.keptConnection(), freshAwsPort: await p.freshAwsPort(), freshStreamPort: await p.freshStreamPort() };
    logSince = Date.now();
    const rssBeforeBytes = server.rssBytes();
    const sampler = rssSampler(server);
    const windowFrom = Date.now();

    // Exhaust: hold connections until the server's descriptors are at its limit (or a bound).
    const t0 = Date.now();
    const held = [];
    let exhaustedMs = null;
    for (let i = 0; i < 4 * fdLimit && Date.now() - t0 < 15_000; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, j) => (j % 5 === 4 ? hold(server.streamPort, track) : hold(server.port, track, (h) => h.socket.write(Buffer.concat([PREFACE, settingsFrame()]))))));
      held.push(...batch.filter(Boolean));
      const fds = server.fds();
      if (fds === null || fds >= fdLimit - 1) {
        exhaustedMs = Date.now() - t0;
        break;
      }
    }
    await sleep(200);
    const peakFds = server.fds();
    // While exhausted: probes, and once a stream that needs new files.
    const during = {};
    const count = (name, v) => ((during[name] ??= {})[v] = (during[name][v] ?? 0) + 1);
    const created = await h1Request(server.port, agent, 'POST', '/', HEADERS('Kinesis_20131202.CreateStream'), Buffer.from('{"StreamName":"fdnew","ShardCount":1}'), 3000);
    during.createStream = created.status ?? created.error ?? 'no answer';
    const holdUntil = Date.now() + seconds * 1000;
    // Each kind of probe on its own schedule (one that waits for its time limit does not hold up the others).
    await Promise.all(
      Object.entries(probes(server, agent, 'fdnew')).map(async ([name, f]) => {
        while (Date.now() < holdUntil && server.alive()) {
          const tick = sleep(PROBE_EVERY_MS);
          count(name, await f());
          await tick;
        }
      }),
    );
    const stillHeld = held.filter((h) => h.closedMs === null).length;
    const logDuring = log();

    // Release, then time each kind of write until it works.
    release(held);
    const releasedMs = Date.now();
    logSince = releasedMs;
    const recovered = {};
    await Promise.all(
      Object.entries(probes(server, agent, 'fdnew', true)).map(async ([name, f]) => {
        let last = null;
        while (Date.now() - releasedMs < recoveryMaxMs(seconds) && server.alive()) {
          const tick = sleep(RECOVERY_PROBE_MS);
          last = await f();
          if (last === 200) return void (recovered[name] = Date.now() - releasedMs);
          await tick;
        }
        recovered[name] = { notWithinMs: recoveryMaxMs(seconds), lastAnswer: last };
      }),
    );
    const windowTo = Date.now();
    const rssPeakBytes = sampler.stop();
    const settled = await settle(server, rssBeforeBytes, settleMs);
    agent.destroy();
    return {
      requests: held.length + Object.values(during).reduce((n, v) => n + (typeof v === 'object' ? Object.values(v).reduce((a, b) => a + b, 0) : 1), 0),
      fdLimit,
      before,
      held: held.length,
      stillHeldAtRelease: stillHeld,
      exhaustedAfterMs: exhaustedMs,
      serverFdsPeak: peakFds,
      during,
      serverLogDuring: logDuring,
      writesWorkingAgainMs: recovered,
      serverLogAfterRelease: log(),
      window: [windowFrom, windowTo],
      server: { rssBeforeBytes, rssPeakBytes, ...settled, crashed: server.exit !== null, exit: server.exit, logLines: server.log.length + server.logDropped },
    };
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop();
  }
}
