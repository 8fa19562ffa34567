// Phase 5: slow and idle connections up to the limits. Idle connections fill the AWS port to its
// cap (10,000, plus some past it, which must be closed at once) and the stream port with what the
// descriptor limits leave (the lower of this process's and the server's, less a margin); an idle
// AWS connection the server closes (10 s without a byte) is opened again, so the cap stays full
// for the whole phase. Headers dripped a byte every 2 s must be cut (AWS port: 20 s after their
// first byte). Every second a fresh connection tries a request on each port: while the cap is
// full, the AWS port refuses newcomers (by design); the stream port must go on serving.
// Bodies dripped a byte every 2 s start with the run (startBodyDrippers) and are reported here:
// the AWS port's HTTP/1.1 cuts a body 60 s after its headers.
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { sendRaw, validRequest } from './raw-http.mjs';
import { fdsOf, ownFdLimit } from './server.mjs';
import { hold, holdMany, lifetimes, release } from './sockets.mjs';

const AWS_MAX_CONNECTIONS = 10_000;
const PAST_CAP = 200;
const DRIP_EVERY_MS = 2000;
const DRIPPERS = 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fdLimitOf(pid) {
  const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return m === null ? 1 << 20 : Number(m[1]);
}

/** A connection that sends headers a byte at a time (never finishing them). */
function dripHeaders(port, track) {
  return hold(port, track, (h) => {
    const text = `POST / HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n`;
    h.socket.write(text);
    const line = 'x-drip: 1\r\n';
    let i = 0;
    const timer = setInterval(() => (h.closedMs === null ? h.socket.write(line[i++ % line.length]) : clearInterval(timer)), DRIP_EVERY_MS);
    h.socket.once('close', () => clearInterval(timer));
  });
}

/** Fresh-connection probes, once a second on each port, until `untilMs`. */
async function probe(server, untilMs) {
  const out = { awsPort: { ok: 0, refused: 0 }, streamPort: { ok: 0, refused: 0 } };
  while (Date.now() < untilMs) {
    const tick = sleep(1000);
    await Promise.all(
      [['awsPort', server.port], ['streamPort', server.streamPort]].map(async ([name, port]) => {
        const r = await sendRaw(port, validRequest(`127.0.0.1:${port}`, 'Kinesis_20131202.ListStreams', '{"Limit":1}'), 2000);
        r.status === 200 ? out[name].ok++ : out[name].refused++;
      }),
    );
    await tick;
  }
  return out;
}

export async function slowAndIdle({ server, deadline, track, fdMargin, maxIdle, bodyDrippers }) {
  const ownFree = ownFdLimit() - (fdsOf(process.pid) ?? 0);
  const serverFree = fdLimitOf(server.pid) - (server.fds() ?? 0);
  const budget = Math.max(0, Math.min(ownFree, serverFree) - fdMargin - 4 * DRIPPERS);
  const total = Math.min(budget, maxIdle);
  const awsTarget = Math.min(AWS_MAX_CONNECTIONS + PAST_CAP, Math.floor(total * 0.6));
  const streamTarget = Math.max(0, total - awsTarget);
  const keepAliveIdle = Math.min(100, Math.floor(awsTarget / 20));
  const t0 = Date.now();
  const peakFds = { server: server.fds() ?? 0 };
  const fdTimer = setInterval(() => (peakFds.server = Math.max(peakFds.server, server.fds() ?? 0)), 250);

  // The drippers first: once the AWS port is at its cap, newcomers are closed at once.
  const drips = { aws: await Promise.all(Array.from({ length: DRIPPERS }, () => dripHeaders(server.port, track))), stream: await Promise.all(Array.from({ length: DRIPPERS }, () => dripHeaders(server.streamPort, track))) };
  // AWS port: some connections make one request and then idle (keep-alive), the rest never send a byte.
  let reopened = 0;
  const aws = [];
  const reopen = (h) =>
    h.socket.once('close', () => {
      // Accepted and later closed by the server (the 10 s idle peek): open another while the phase runs.
      if (h.closedBy === 'server' && h.closedMs - h.openedMs > 1000 && Date.now() < deadline - 1000 && reopened < 4 * awsTarget) {
        reopened++;
        hold(server.port, track, reopen).then((n) => n !== null && aws.push(n));
      }
    });
  const keepAlive = await holdMany(server.port, keepAliveIdle, { track, untilMs: deadline, onOpen: (h) => h.socket.write(validRequest(`127.0.0.1:${server.port}`, 'Kinesis_20131202.ListStreams', '{"Limit":1}').toString().replace('connection: close', 'connection: keep-alive')) });
  const awsIdle = await holdMany(server.port, awsTarget - keepAliveIdle, { track, untilMs: deadline, onOpen: reopen });
  aws.push(...awsIdle.held);
  const stream = await holdMany(server.streamPort, streamTarget, { track, untilMs: deadline });
  const openedInMs = Date.now() - t0; // the normal client's slowest calls (atMs) can be set beside it
  const fresh = await probe(server, deadline);
  clearInterval(fdTimer);
  const all = [...keepAlive.held, ...aws, ...stream.held, ...drips.aws, ...drips.stream].filter((h) => h !== null);
  const result = {
    requests: all.length + awsIdle.failed + stream.failed,
    fdBudget: { bench: ownFree, server: serverFree, margin: fdMargin, used: total },
    openedInMs,
    serverFdsPeak: peakFds.server,
    awsPortIdle: { ...lifetimes(aws), target: awsTarget - keepAliveIdle, failedToOpen: awsIdle.failed, reopenedAfterServerClose: reopened },
    awsPortKeepAliveIdle: lifetimes(keepAlive.held.filter(Boolean)),
    streamPortIdle: { ...lifetimes(stream.held), target: streamTarget, failedToOpen: stream.failed },
    headerDrip: { awsPort: lifetimes(drips.aws.filter(Boolean)), streamPort: lifetimes(drips.stream.filter(Boolean)), everyMs: DRIP_EVERY_MS },
    freshConnections: fresh,
    bodyDrip: bodyDrippers?.report() ?? null,
  };
  release(all);
  bodyDrippers?.stop();
  return result;
}

/**
 * Bodies dripped from the start of the run: declared 1 MiB, a byte every 2 s, on the AWS port
 * over HTTP/1.1 and HTTP/2 and on the stream port. report() says how long each lived.
 */
export function startBodyDrippers(server, n = 5) {
  const held = { awsH1: [], streamH1: [], awsH2: [] };
  const timers = [];
  const sockets = [];
  const track = (s) => sockets.push(s);
  const drip = (port, list) =>
    hold(port, track, (h) => {
      h.socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/x-amz-json-1.1\r\nx-amz-target: Kinesis_20131202.PutRecords\r\nauthorization: AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0\r\ncontent-length: 1048576\r\n\r\n{`);
      timers.push(setInterval(() => h.closedMs === null && h.socket.write(' '), DRIP_EVERY_MS));
      list.push(h);
    });
  for (let i = 0; i < n; i++) drip(server.port, held.awsH1), drip(server.streamPort, held.streamH1);
  const session = http2.connect(`http://127.0.0.1:${server.port}`);
  session.on('error', () => {});
  for (let i = 0; i < n; i++) {
    const h = { openedMs: Date.now(), closedMs: null, closedBy: null };
    const stream = session.request({ ':method': 'POST', ':path': '/', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords', authorization: 'AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0', 'content-length': '1048576' }, { endStream: false });
    stream.on('error', () => {});
    stream.once('close', () => ((h.closedMs = Date.now()), (h.closedBy ??= 'server')));
    stream.write('{');
    timers.push(setInterval(() => h.closedMs === null && stream.write(' '), DRIP_EVERY_MS));
    h.socket = { destroy: () => stream.close() };
    held.awsH2.push(h);
  }
  return {
    report: () => ({ awsPortH1: lifetimes(held.awsH1), awsPortH2: lifetimes(held.awsH2), streamPortH1: lifetimes(held.streamH1), everyMs: DRIP_EVERY_MS, declaredBytes: 1048576 }),
    stop: () => {
      for (const t of timers) clearInterval(t);
      release([...held.awsH1, ...held.streamH1, ...held.awsH2]);
      session.destroy();
      for (const s of sockets) s.destroy();
    },
  };
}
