// Load generator for bench/put-records.mjs, run as its own process. Sends PutRecords of `batch`
// records of `bytes` bytes for `seconds`, keeping `concurrency` requests in flight, and prints one
// JSON line with what was accepted and each request's latency percentiles.
//   mode raw: pre-encoded AWS JSON 1.1 bodies over HTTP/1.1 keep-alive (what a lean producer sends)
//   mode sdk: @aws-sdk/client-kinesis with its default handler (HTTP/2) or NodeHttpHandler (HTTP/1.1)
//   mode ws:  binary PUT frames over WebSocket (docs/ws-protocol.md); `concurrency` connections,
//             each keeping up to 16 batches in flight
// With a 9th argument `rate` (records/s), the load is open-loop instead: batches are sent on a
// fixed schedule whatever the replies do (at most 1,024 in flight), so latency is measured at that
// offered load rather than at saturation. Latencies of batches sent in the first second (new
// connections, cold JIT) are left out of its percentiles; their records still count.
// RIFFLE_BENCH_KEYS=uniform:N|zipf:N,s|hot:P draws the partition keys from that distribution (as
// `riffle load --keys`; 16 batches are prepared and sent in turn, so bodies stay pre-encoded);
// without it, record i of every batch has key-i. RIFFLE_BENCH_PROGRESS=1 prints a line per second
// on stderr. The JSON line always has perSecond: records accepted in each second of the run.
import { writeSync } from 'node:fs';
import http from 'node:http';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import WebSocket from 'ws';
import { keyPicker, prng } from 'riffle/internal';

const [url, mode, protocol, stream, seconds, concurrency, batch, bytes, rateArg] = process.argv.slice(2);
const rate = Number(rateArg ?? 0);
const endAt = Date.now() + Number(seconds) * 1000;
const keySpec = process.env.RIFFLE_BENCH_KEYS ?? '';
const nextKey = keySpec === '' ? null : keyPicker(keySpec, prng(1));
/** The batches sent in turn: one with fixed keys, or 16 drawn from RIFFLE_BENCH_KEYS. */
const batches = Array.from({ length: nextKey === null ? 1 : 16 }, () =>
  Array.from({ length: Number(batch) }, (_, i) => ({ PartitionKey: nextKey === null ? `key-${i}` : nextKey(), Data: Buffer.alloc(Number(bytes), i % 251) })),
);
const records = batches[0];
let turnOfBatch = 0;
const nextBatch = () => turnOfBatch++ % batches.length;

let send;
if (mode === 'raw') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
  const bodies = batches.map((b) => Buffer.from(JSON.stringify({ StreamName: stream, Records: b.map((r) => ({ PartitionKey: r.PartitionKey, Data: r.Data.toString('base64') })) })));
  const u = new URL(url);
  const headersOf = (body) => ({
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'Kinesis_20131202.PutRecords',
    authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0',
    'x-amz-date': '20260101T000000Z',
    'content-length': String(body.length),
  });
  const allHeaders = bodies.map(headersOf);
  send = () =>
    new Promise((resolve, reject) => {
      const k = nextBatch();
      const body = bodies[k];
      const headers = allHeaders[k];
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/', agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks)}`));
          resolve(JSON.parse(Buffer.concat(chunks).toString()).FailedRecordCount);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
} else if (mode === 'ws') {
  // One frame per prepared batch, reused with a fresh batch id per send.
  const name = Buffer.from(stream);
  const frameParts = (rs) => {
    const parts = [Buffer.alloc(8), Buffer.alloc(2), name, Buffer.alloc(4)];
    parts[0].writeUInt8(1, 0);
    parts[0].writeUInt8(1, 1);
    parts[1].writeUInt16LE(name.length);
    parts[3].writeUInt32LE(rs.length);
    for (const r of rs) {
      const key = Buffer.from(r.PartitionKey);
      const h = Buffer.alloc(3);
      h.writeUInt16LE(key.length, 1);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(r.Data.length);
      parts.push(h, key, len, r.Data);
    }
    return parts;
  };
  const parts = frameParts(records);
  const templates = batches.map((b) => Buffer.concat(frameParts(b)));
  // STAMP_DATA=1: each send writes the wall time (ms, f64) into the first 8 bytes of every
  // record's data, so a push consumer can measure put → push latency (bench/fanout.mjs).
  const stampAt = [];
  if (process.env.STAMP_DATA === '1' && batches.length > 1) throw new Error('STAMP_DATA=1 takes fixed keys (no RIFFLE_BENCH_KEYS)');
  if (process.env.STAMP_DATA === '1') {
    let at = parts.slice(0, 4).reduce((n, b) => n + b.length, 0);
    for (const r of records) {
      at += 3 + Buffer.byteLength(r.PartitionKey) + 4;
      stampAt.push(at);
      at += r.Data.length;
    }
  }
  const sockets = await Promise.all(
    Array.from({ length: Number(concurrency) }, () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ingest');
        const pending = new Map();
        ws.on('message', (frame) => {
          const id = frame.readUInt32LE(4);
          const p = pending.get(id);
          pending.delete(id);
          if (frame.readUInt8(0) !== 2) return p?.reject(new Error(`ERROR frame: ${frame.toString('utf8', 10)}`));
          const count = frame.readUInt32LE(16);
          let failedHere = 0;
          for (let i = 0; i < count; i++) if (frame.readUInt8(20 + 13 * i) !== 0) failedHere++;
          p?.resolve(failedHere);
        });
        ws.once('open', () => resolve({ ws, pending }));
        ws.once('error', reject);
      }),
    ),
  );
  let nextId = 1;
  let turn = 0;
  // The server lets 128 PUT frames await their ACK per connection (docs/ws-protocol.md): take the
  // next connection in turn that has room (the paced loop keeps at most 128 per connection in flight).
  send = () => {
    let conn = sockets[turn++ % sockets.length];
    for (let k = 0; k < sockets.length && conn.pending.size >= WS_WINDOW; k++) conn = sockets[turn++ % sockets.length];
    const id = nextId++;
    const frame = Buffer.from(templates[nextBatch()]);
    frame.writeUInt32LE(id, 4);
    if (stampAt.length > 0) {
      const now = performance.timeOrigin + performance.now();
      for (const at of stampAt) frame.writeDoubleLE(now, at);
    }
    return new Promise((resolve, reject) => {
      conn.pending.set(id, { resolve, reject });
      conn.ws.send(frame);
    });
  };
} else {
  // RIFFLE_BENCH_CREDENTIALS=chain (bench --target at a server that checks signatures): the
  // credentials and region of the AWS environment, as any SDK application gets them.
  const chain = process.env.RIFFLE_BENCH_CREDENTIALS === 'chain';
  const client = new KinesisClient({
    endpoint: url,
    // The chain resolves the region too (environment, then ~/.aws/config), as the orchestrator's client does.
    ...(chain ? {} : { region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } }),
    maxAttempts: 1,
    ...(protocol === 'http1' ? { requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) }) }) } : {}),
  });
  send = async () => (await client.send(new PutRecordsCommand({ StreamName: stream, Records: batches[nextBatch()] }))).FailedRecordCount;
}

const latencies = [];
/** With RIFFLE_BENCH_TIMELINE=1 (paced only): [send time (epoch ms), latency ms] per request after the warm-up. */
const timeline = process.env.RIFFLE_BENCH_TIMELINE === '1' ? [] : null;
let accepted = 0;
let failed = 0;
let errors = 0;
const start = Date.now();
/** Records accepted in each second of the run (by when their reply came). */
const perSecond = [];
const count = (n) => {
  const s = Math.floor((Date.now() - start) / 1000);
  while (perSecond.length <= s) perSecond.push(0);
  perSecond[s] += n;
  accepted += n;
};
const progress =
  process.env.RIFFLE_BENCH_PROGRESS === '1'
    ? setInterval(() => {
        const s = Math.floor((Date.now() - start) / 1000);
        process.stderr.write(`\n    ${Math.min(Number(seconds), (Date.now() - start) / 1000).toFixed(1)}/${seconds} s  ${Math.round(perSecond[s - 1] ?? 0).toLocaleString('en-US')} records/s`);
      }, 1000)
    : null;
async function worker() {
  while (Date.now() < endAt) {
    const t = performance.now();
    try {
      const f = await send();
      failed += f;
      count(records.length - f);
      latencies.push(performance.now() - t);
    } catch (e) {
      errors++;
      if (errors === 1) console.error(String(e));
      if (errors > 100) break;
    }
  }
}
const WARMUP_MS = 1000;
/** PUT frames one WebSocket connection may have awaiting their ACK (the server's window). */
const WS_WINDOW = 128;
/** The paced loop's bound on requests in flight: what the connections' windows hold, for WebSocket. */
const MAX_IN_FLIGHT = mode === 'ws' ? WS_WINDOW * Number(concurrency) : 1024;
/** Open loop: every millisecond, send the batches the schedule says are due. */
async function paced() {
  const perMs = rate / Number(batch) / 1000;
  let sent = 0;
  let inFlight = 0;
  let skipped = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      if (Date.now() >= endAt) {
        clearInterval(tick);
        const wait = setInterval(() => {
          if (inFlight === 0) {
            clearInterval(wait);
            resolve();
          }
        }, 5);
        return;
      }
      const due = Math.floor((now - t0) * perMs) - sent;
      for (let k = 0; k < due; k++) {
        sent++;
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++;
          continue;
        }
        inFlight++;
        const t = performance.now();
        const sentAt = Date.now();
        const warmup = t - t0 < WARMUP_MS;
        send().then(
          (f) => {
            failed += f;
            count(records.length - f);
            if (warmup) return;
            const ms = performance.now() - t;
            latencies.push(ms);
            timeline?.push([sentAt, Math.round(ms * 1000) / 1000]);
          },
          (e) => {
            errors++;
            if (errors === 1) console.error(String(e));
          },
        ).finally(() => inFlight--);
      }
    }, 1);
  });
  if (skipped > 0) console.error(`paced load fell behind: ${skipped} batches not sent (${MAX_IN_FLIGHT} in flight)`);
}
const cpu0 = process.cpuUsage();
const workers = mode === 'ws' ? Number(concurrency) * 16 : Number(concurrency);
if (rate > 0) await paced();
else await Promise.all(Array.from({ length: workers }, worker));
const elapsed = (Date.now() - start) / 1000;
if (progress !== null) {
  clearInterval(progress);
  process.stderr.write('\n');
}
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? null;
const cpu = process.cpuUsage(cpu0);
// Written synchronously: process.exit below would cut off an asynchronous write to a pipe.
writeSync(1, JSON.stringify({ accepted, failed, errors, requests: latencies.length, elapsedSec: elapsed, recordsPerSec: accepted / elapsed, p50Ms: pct(50), p99Ms: pct(99), latencyWarmupSec: rate > 0 ? WARMUP_MS / 1000 : 0, loadCpuSec: (cpu.user + cpu.system) / 1e6, perSecond, p90Ms: pct(90), ...(timeline === null ? {} : { timeline }) }) + '\n');
process.exit(0);
