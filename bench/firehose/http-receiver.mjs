// The HTTP endpoint for bench/firehose/http.mjs, as its own process: answers every Firehose request
// as the specification asks (200, the same requestId), and notes when each record (by the sequence
// number stamped in it, events.mjs) arrived. `node http-receiver.mjs <arrivals file>`: prints
// `port N`; on SIGTERM writes the arrival times (float64 wall ms by seq, 0: never) and prints one
// JSON line of what it received.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { readSeq } from './events.mjs';
import { wallMs } from './objects.mjs';

const file = process.argv[2];
let arrivals = new Float64Array(1 << 16);
let records = 0;
let bytes = 0;
let requests = 0;
let firstMs = 0;
let lastMs = 0;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const now = wallMs();
    let raw = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    const body = JSON.parse(raw.toString());
    for (const r of body.records) {
      const data = Buffer.from(r.data, 'base64');
      const seq = readSeq(data, 0);
      if (seq < 0) continue; // not one of the benchmark's events
      while (seq >= arrivals.length) {
        const grown = new Float64Array(arrivals.length * 2);
        grown.set(arrivals);
        arrivals = grown;
      }
      if (arrivals[seq] === 0) arrivals[seq] = now;
      records++;
      bytes += data.length;
    }
    requests++;
    if (firstMs === 0) firstMs = now;
    lastMs = now;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: body.requestId, timestamp: Date.now() }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${server.address().port}\n`));
process.once('SIGTERM', () => {
  writeFileSync(file, Buffer.from(arrivals.buffer));
  process.stdout.write(`${JSON.stringify({ records, bytes, requests, firstMs, lastMs })}\n`);
  process.exit(0);
});
