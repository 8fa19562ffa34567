// Load generator for bench/recovery.mjs, run as its own process: binary WebSocket PUT frames
// (docs/ws-protocol.md) spread over several streams, until `targetBytes` of record data (key and
// data) are acknowledged or `seconds` have passed, or the server goes away (the kill -9 phase).
// With `rate` (record bytes/s, 0 for as fast as the server takes them) frames are sent on that
// schedule. Prints one JSON line: records and bytes acknowledged, per stream too.
//   node bench/load/recovery-load.mjs <url> <stream,stream,...> <targetBytes> <seconds> <recordBytes> <batch> <connections> [rate]
import WebSocket from 'ws';

const [url, streamList, targetArg, secondsArg, recordBytesArg, batchArg, connectionsArg, rateArg = '0'] = process.argv.slice(2);
const rate = Number(rateArg);
const streams = streamList.split(',');
const targetBytes = Number(targetArg);
const endAt = Date.now() + Number(secondsArg) * 1000;
const recordBytes = Number(recordBytesArg);
const batch = Number(batchArg);
/** PUT frames one connection may have awaiting their ACK (the server's window is 128). */
const WINDOW = 16;

// One frame per stream, reused with a fresh batch id per send. Keys spread over every shard; the
// data is seeded noise (what lands on disk is not all one byte).
let seed = 0x9e3779b9;
const noise = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) & 0xff);
const templates = streams.map((stream, s) => {
  const name = Buffer.from(stream);
  const parts = [Buffer.alloc(8), Buffer.alloc(2), name, Buffer.alloc(4)];
  parts[0].writeUInt8(1, 0);
  parts[0].writeUInt8(1, 1);
  parts[1].writeUInt16LE(name.length);
  parts[3].writeUInt32LE(batch);
  for (let i = 0; i < batch; i++) {
    const key = Buffer.from(`device-${s}-${i}-${(i * 2654435761) >>> 0}`);
    const data = Buffer.alloc(recordBytes - key.length);
    for (let b = 0; b < data.length; b++) data[b] = noise();
    const h = Buffer.alloc(3);
    h.writeUInt16LE(key.length, 1);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(data.length);
    parts.push(h, key, len, data);
  }
  return Buffer.concat(parts);
});

const perStream = streams.map(() => ({ records: 0, bytes: 0 }));
let accepted = 0;
let acceptedBytes = 0;
let failed = 0;
let errors = 0;
let nextId = 1;
let sentBytes = 0;
const started = performance.now();
/** Paced: whether the schedule lets another frame go now. */
const due = () => rate === 0 || sentBytes < (rate * (performance.now() - started)) / 1000;

function report(why) {
  const elapsedSec = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ why, accepted, acceptedBytes, failed, errors, elapsedSec, bytesPerSec: acceptedBytes / elapsedSec, perStream: Object.fromEntries(streams.map((s, i) => [s, perStream[i]])) }) + '\n');
  process.exit(0);
}
const done = () => acceptedBytes >= targetBytes || Date.now() >= endAt;

const connections = Array.from({ length: Number(connectionsArg) }, (_, c) => {
  const s = c % streams.length;
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ingest');
  let inFlight = 0;
  const send = () => {
    while (inFlight < WINDOW && !done() && due()) {
      sentBytes += batch * recordBytes;
      const frame = Buffer.from(templates[s]);
      frame.writeUInt32LE(nextId++, 4);
      inFlight++;
      ws.send(frame);
    }
  };
  ws.on('message', (frame) => {
    inFlight--;
    if (frame.readUInt8(0) !== 2) {
      if (errors++ === 0) console.error(`ERROR frame: ${frame.toString('utf8', 10)}`);
    } else {
      const count = frame.readUInt32LE(16);
      let ok = 0;
      for (let i = 0; i < count; i++) if (frame.readUInt8(20 + 13 * i) === 0) ok++;
      accepted += ok;
      failed += count - ok;
      acceptedBytes += ok * recordBytes;
      perStream[s].records += ok;
      perStream[s].bytes += ok * recordBytes;
    }
    if (!done()) send();
    else if (connections.every((c) => c.idle())) report(acceptedBytes >= targetBytes ? 'bytes' : 'time');
  });
  ws.once('open', () => {
    send();
    if (rate > 0) setInterval(send, 2);
  });
  // The kill -9 phase: the server dies under us; what was acknowledged before is what must survive.
  ws.once('close', () => report('server closed the connection'));
  ws.once('error', () => undefined);
  return { idle: () => inFlight === 0 };
});
setTimeout(() => report('time'), Number(secondsArg) * 1000 + 10_000).unref();
