// Phase 6: body floods. Connections enough for half again the server's body budget
// (--request-bodies-bytes, 256 MiB by default) each send a body of nearly 8 MiB, slowly (in steps
// over most of the phase), over HTTP/1.1 and HTTP/2 to the AWS port and HTTP/1.1 to the stream
// port. Past the budget the server must answer a retryable 503 ServiceUnavailable; a body that
// arrives whole gets its ordinary answer. Afterwards a 1 MiB request on each port must go through
// (the budget is back once the bodies are gone).
import http2 from 'node:http2';
import net from 'node:net';
import { h1Request, isBudget503 } from './clients.mjs';
import { AUTH } from './raw-http.mjs';

const MiB = 1024 * 1024;
const BODY_BYTES = 8 * MiB - 64 * 1024;
const STEP_MS = 100;
const CONNECTIONS_MAX = 200;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bound = (ms) => new Promise((r) => setTimeout(r, ms).unref());

/** A stream that does not exist: a whole flood body is received and parsed, then answered 400, storing nothing. */
const FLOOD_STREAM = 'hostile-flood-no-such-stream';

/** A PutRecords body of exactly `bytes` (to FLOOD_STREAM, so what the fuzzers did to their streams cannot change the answer). */
function floodBody(stream, bytes) {
  const head = `{"StreamName":"${stream}","Records":[{"PartitionKey":"k","Data":"`;
  const tail = '"}]}';
  return Buffer.concat([Buffer.from(head), Buffer.alloc(bytes - head.length - tail.length, 0x41), Buffer.from(tail)]);
}

const HEADERS = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords', authorization: AUTH, 'x-amz-date': '20260101T000000Z' };

/** One slow body over a raw HTTP/1.1 connection: resolves { status, body } or { error }. */
function h1Flood(port, body, sendMs, track) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    track(socket);
    let got = '';
    let timer = null;
    const done = (v) => (clearInterval(timer), socket.destroy(), resolve(v));
    socket.on('data', (d) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^]*)$/.exec(got);
      const length = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? -1);
      if (m !== null && m[2].length >= length) done({ status: Number(m[1]), body: m[2] });
    });
    socket.on('error', (err) => done({ error: err.code ?? err.message }));
    socket.on('close', () => done(got === '' ? { error: 'closed without an answer' } : { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), body: got }));
    socket.on('connect', () => {
      socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n${Object.entries(HEADERS).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\ncontent-length: ${body.length}\r\n\r\n`);
      const step = Math.ceil(body.length / Math.max(1, sendMs / STEP_MS));
      let at = 0;
      timer = setInterval(() => {
        if (socket.writableNeedDrain) return; // the server is not reading: wait, never queue more here
        socket.write(body.subarray(at, (at += step)));
        if (at >= body.length) clearInterval(timer);
      }, STEP_MS);
    });
  });
}

/** One slow body as an HTTP/2 stream on its own session. */
function h2Flood(port, body, sendMs, track) {
  return new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    track(session);
    session.on('error', () => {});
    let status = null;
    let text = '';
    let timer = null;
    const done = (v) => (clearInterval(timer), session.destroy(), resolve(v));
    const stream = session.request({ ':method': 'POST', ':path': '/', ...HEADERS, 'content-length': body.length }, { endStream: false });
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (d) => (text += d));
    stream.on('end', () => done({ status, body: text }));
    stream.on('close', () => done(status === null ? { error: `closed (code ${stream.rstCode})` } : { status, body: text }));
    stream.on('error', () => {});
    const step = Math.ceil(body.length / Math.max(1, sendMs / STEP_MS));
    let at = 0;
    timer = setInterval(() => {
      if (stream.writableNeedDrain || stream.destroyed) return;
      stream.write(body.subarray(at, (at += step)));
      if (at >= body.length) clearInterval(timer), stream.end();
    }, STEP_MS);
  });
}

export async function bodyFlood({ server, deadline, track, budgetBytes }) {
  const n = Math.min(CONNECTIONS_MAX, Math.ceil((1.5 * budgetBytes) / BODY_BYTES));
  const body = floodBody(FLOOD_STREAM, BODY_BYTES);
  const sendMs = Math.max(200, (deadline - Date.now()) * 0.6);
  const kinds = ['awsPortH1', 'awsPortH2', 'streamPortH1'];
  const jobs = Array.from({ length: n }, (_, i) => {
    const kind = kinds[i % kinds.length];
    const run = kind === 'awsPortH2' ? h2Flood(server.port, body, sendMs, track) : h1Flood(kind === 'awsPortH1' ? server.port : server.streamPort, body, sendMs, track);
    const bounded = Promise.race([run, bound(Math.max(1000, deadline - Date.now()) + 10_000).then(() => ({ error: 'no answer by the end of the phase' }))]);
    return bounded.then((out) => ({ kind, ...out }));
  });
  const results = await Promise.all(jobs);
  const byKind = {};
  let budget503 = 0;
  let fivexx = 0;
  const findings = [];
  for (const r of results) {
    const key = r.status === undefined ? `error:${r.error}` : isBudget503(r.status, r.body) ? '503 budget' : String(r.status);
    (byKind[r.kind] ??= {})[key] = (byKind[r.kind][key] ?? 0) + 1;
    if (key === '503 budget') budget503++;
    else if (r.status >= 500) fivexx++, findings.length < 10 && findings.push({ kind: r.kind, status: r.status, response: r.body.slice(0, 300) });
  }
  await sleep(300);
  // The budget is back: a 1 MiB request on each port is answered as usual (400, not the budget's 503).
  const after = {};
  const probe = floodBody(FLOOD_STREAM, MiB);
  for (const [name, port] of [['awsPort', server.port], ['streamPort', server.streamPort]]) {
    const r = await h1Request(port, undefined, 'POST', '/', HEADERS, probe, 10_000);
    after[name] = r.status === undefined ? `error:${r.error ?? 'timeout'}` : isBudget503(r.status, r.body) ? '503 budget' : r.status;
  }
  return { requests: n, bodyBytes: BODY_BYTES, budgetBytes, sendMs: Math.round(sendMs), byKind, status5xx: fivexx, budget503, oneMiBRequestAfter: after, findings };
}
