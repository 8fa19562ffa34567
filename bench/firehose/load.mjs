// Load generator for bench/firehose/run.mjs, run as its own process (one JSON argument, see run.mjs).
// Sends batches of clickstream events (events.mjs), each record stamped with its sequence number,
// for `seconds`, and prints one JSON line: what was accepted, put → ack latency percentiles, its
// own CPU, and each batch's first seq, count and send time (so the orchestrator can match records
// in delivered objects to the moment they were put).
//   firehose-raw: PutRecordBatch as AWS JSON 1.1 over HTTP/1.1 keep-alive (node:http), the bodies
//                 built from base64 made once per corpus event, only the seq digits re-encoded
//   firehose-sdk: @aws-sdk/client-firehose with its default handler (HTTP/1.1)
//   kinesis-raw:  PutRecords, the same way as firehose-raw
//   kinesis-sdk:  @aws-sdk/client-kinesis with NodeHttpHandler (HTTP/1.1, as the Firehose client)
//   ws:           binary WebSocket ingest into a Kinesis stream with the producer's WsTransport
//                 (riffle/internal), `concurrency` connections × 16 batches in flight
// `rate` > 0 (records/s) sends open loop on a fixed schedule instead of as fast as replies come
// (at most 1,024 batches in flight).
import http from 'node:http';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { makeCorpus, SEQ_AT, SEQ_DIGITS, stampSeq } from './events.mjs';
import { wallMs } from './objects.mjs';

const o = JSON.parse(process.argv[2]);
const { mode, url, name, batch, bytes, concurrency } = o;
const rate = o.rate ?? 0;
const CORPUS = 4096;
const WS_PER_CONNECTION = 16;
const corpus = makeCorpus(CORPUS, bytes, o.seed ?? 1);
const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const key = (seq) => `u-${(seq * 2654435761) % 100003}`;

/** `count` records from `first` on as one Buffer (stamped), and views on each record. */
function records(first, count) {
  const buf = Buffer.allocUnsafe(count * bytes);
  const views = new Array(count);
  for (let i = 0; i < count; i++) {
    corpus[(first + i) % CORPUS].copy(buf, i * bytes);
    stampSeq(buf, i * bytes, first + i);
    views[i] = buf.subarray(i * bytes, (i + 1) * bytes);
  }
  return views;
}

/** Raw bodies: each event's base64 made once; per record only base64 of bytes 6..20 (`:"<digits>"`) changes. */
const PATCH_FROM = 6;
const PATCH_TO = SEQ_AT + SEQ_DIGITS + 1; // 21: 15 bytes, five whole base64 groups
const b64 = corpus.map((r) => r.toString('base64'));
const b64Head = b64.map((s) => s.slice(0, (PATCH_FROM / 3) * 4));
const b64Tail = b64.map((s) => s.slice((PATCH_TO / 3) * 4));
const patch = (seq) => Buffer.from(`:"${String(seq).padStart(SEQ_DIGITS, '0')}"`, 'latin1').toString('base64');
function rawBody(first, count) {
  const kinesis = mode === 'kinesis-raw';
  const parts = new Array(count);
  for (let i = 0; i < count; i++) {
    const seq = first + i;
    const c = seq % CORPUS;
    const data = b64Head[c] + patch(seq) + b64Tail[c];
    parts[i] = kinesis ? `{"Data":"${data}","PartitionKey":"${key(seq)}"}` : `{"Data":"${data}"}`;
  }
  return kinesis ? `{"StreamName":"${name}","Records":[${parts.join(',')}]}` : `{"DeliveryStreamName":"${name}","Records":[${parts.join(',')}]}`;
}

let send; // (first, count) → Promise<failed seqs[]>
if (mode === 'firehose-raw' || mode === 'kinesis-raw') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const u = new URL(url);
  const service = mode === 'kinesis-raw' ? 'kinesis' : 'firehose';
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': mode === 'kinesis-raw' ? 'Kinesis_20131202.PutRecords' : 'Firehose_20150804.PutRecordBatch',
    authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    'x-amz-date': '20260101T000000Z',
  };
  send = (first, count) =>
    new Promise((resolve, reject) => {
      const body = Buffer.from(rawBody(first, count), 'latin1');
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          const reply = JSON.parse(text);
          const results = mode === 'kinesis-raw' ? reply.Records : reply.RequestResponses;
          const failed = (mode === 'kinesis-raw' ? reply.FailedRecordCount : reply.FailedPutCount) > 0 ? results.flatMap((r, i) => (r.ErrorCode ? [first + i] : [])) : [];
          resolve(failed);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
} else if (mode === 'firehose-sdk') {
  const client = new FirehoseClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
  send = async (first, count) => {
    const out = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records(first, count).map((Data) => ({ Data })) }));
    return out.FailedPutCount > 0 ? out.RequestResponses.flatMap((r, i) => (r.ErrorCode ? [first + i] : [])) : [];
  };
} else if (mode === 'kinesis-sdk') {
  const handler = new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: concurrency }) });
  const client = new KinesisClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: handler });
  send = async (first, count) => {
    const recs = records(first, count).map((Data, i) => ({ Data, PartitionKey: key(first + i) }));
    const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: recs }));
    return out.FailedRecordCount > 0 ? out.Records.flatMap((r, i) => (r.ErrorCode ? [first + i] : [])) : [];
  };
} else if (mode === 'ws') {
  const { WsTransport } = await import('riffle/internal');
  const transports = Array.from({ length: concurrency }, () => new WsTransport(url.replace(/^http/, 'ws')));
  let turn = 0;
  send = async (first, count) => {
    const t = transports[turn++ % transports.length];
    const recs = records(first, count).map((data, i) => ({ partitionKey: key(first + i), data }));
    const out = await t.send(name, recs);
    return out.flatMap((r, i) => (r.ok ? [] : [first + i]));
  };
  process.on('exit', () => transports.forEach((t) => void t.close()));
} else {
  throw new Error(`unknown mode ${mode}`);
}

const inFlightMax = mode === 'ws' ? concurrency * WS_PER_CONNECTION : concurrency;
const sends = []; // [firstSeq, count, sendMs]
const ackMs = [];
const failedSeqs = [];
let nextSeq = o.firstSeq ?? 0;
let accepted = 0;
let errors = 0;
let firstError = null;
const seconds = o.seconds;
let startMs = 0;
let endAt = 0;

async function one() {
  const first = nextSeq;
  nextSeq += batch;
  const t = wallMs();
  try {
    const failed = await send(first, batch);
    const done = wallMs();
    sends.push([first, batch, t]);
    ackMs.push(done - t);
    accepted += batch - failed.length;
    failedSeqs.push(...failed);
  } catch (e) {
    errors++;
    firstError ??= String(e);
  }
}

async function closedLoop() {
  const worker = async () => {
    while (wallMs() < endAt && errors <= 100) await one();
  };
  await Promise.all(Array.from({ length: inFlightMax }, worker));
}

async function openLoop() {
  const perMs = rate / batch / 1000;
  let due0 = 0;
  let inFlight = 0;
  let skipped = 0;
  const pending = new Set();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const now = wallMs();
      if (now >= endAt) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor((now - startMs) * perMs) - due0;
      for (let k = 0; k < due; k++) {
        due0++;
        if (inFlight >= 1024) {
          skipped++;
          continue;
        }
        inFlight++;
        const p = one().finally(() => {
          inFlight--;
          pending.delete(p);
        });
        pending.add(p);
      }
    }, 1);
  });
  await Promise.all(pending);
  if (skipped > 0) firstError ??= `paced load fell behind: ${skipped} batches not sent (1,024 in flight)`;
}

const cpu0 = process.cpuUsage();
process.stdout.write('start\n'); // the orchestrator samples the server's CPU from here
startMs = wallMs();
endAt = startMs + seconds * 1000;
if (rate > 0) await openLoop();
else await closedLoop();
const endMs = wallMs();
const cpu = process.cpuUsage(cpu0);
ackMs.sort((a, b) => a - b);
const pct = (p) => (ackMs.length === 0 ? null : ackMs[Math.min(ackMs.length - 1, Math.floor((p / 100) * ackMs.length))]);
const elapsedSec = (endMs - startMs) / 1000;
console.log(
  JSON.stringify({
    mode,
    accepted,
    failed: failedSeqs.length,
    failedSeqs: failedSeqs.slice(0, 1000),
    errors,
    firstError,
    requests: ackMs.length,
    startMs,
    endMs,
    elapsedSec,
    recordsPerSec: accepted / elapsedSec,
    megabytesPerSec: (accepted * bytes) / 1e6 / elapsedSec,
    ackP50Ms: pct(50),
    ackP99Ms: pct(99),
    loadCpuSec: (cpu.user + cpu.system) / 1e6,
    loadCpuCores: (cpu.user + cpu.system) / 1e6 / elapsedSec,
    sends,
  }),
);
process.exit(0);
