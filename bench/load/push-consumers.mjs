// Push consumers for bench/fanout.mjs, run as their own process: one WebSocket per consumer ARN,
// each subscribed to every shard of the stream (docs/ws-protocol.md, "WebSocket push") from
// TRIM_HORIZON. Checks that every frame is well formed (its records end at its end) and that
// every record arrives exactly once and in order per shard (counters are dense per shard, so each
// must be the previous one + 1), measures put → push latency from
// the wall time the producer stamps into each record's first 8 bytes, and prints one JSON line
// when every consumer has `expected` records (read from stdin) or `timeoutSec` passes.
//   node push-consumers.mjs <ws url> <consumer ARNs, comma-separated> <timeoutSec>
import WebSocket from 'ws';

const [url, arnList, timeoutSec] = process.argv.slice(2);
const arns = arnList.split(',');
const consumers = arns.map(() => ({ records: 0, bytes: 0, gaps: 0, repeats: 0, malformed: 0, last: new Map(), firstAt: 0, lastAt: 0 }));
const latencies = [];
let sample = 0;

await Promise.all(
  arns.map(
    (consumerARN, c) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${url}/subscribe`);
        const me = consumers[c];
        ws.on('message', (data, binary) => {
          if (!binary) {
            const msg = JSON.parse(data.toString());
            if (msg.type === 'subscribed') return resolve();
            return reject(new Error(JSON.stringify(msg)));
          }
          const now = performance.timeOrigin + performance.now();
          const shard = data.readUInt32LE(4);
          const count = data.readUInt32LE(24);
          // A frame's records must end exactly at its end; one that does not is counted, not read.
          let end = 28;
          for (let i = 0; i < count && end + 22 <= data.length; i++) end += 22 + data.readUInt16LE(end + 16) + data.readUInt32LE(end + 18);
          if (data[0] !== 4 || end !== data.length) return void me.malformed++;
          let at = 28;
          for (let i = 0; i < count; i++) {
            const counter = data.readDoubleLE(at);
            const keyLen = data.readUInt16LE(at + 16);
            const dataLen = data.readUInt32LE(at + 18);
            at += 22 + keyLen;
            const prev = me.last.get(shard);
            if (prev !== undefined && counter !== prev + 1) {
              if (counter <= prev) me.repeats++;
              else me.gaps++;
            }
            me.last.set(shard, counter);
            if (dataLen >= 8 && (sample++ & 7) === 0) latencies.push(now - data.readDoubleLE(at));
            at += dataLen;
            me.bytes += dataLen;
          }
          if (count > 0) {
            if (me.records === 0) me.firstAt = now;
            me.lastAt = now;
            me.records += count;
          }
        });
        ws.once('open', () => ws.send(JSON.stringify({ consumerARN, startingPosition: { Type: 'TRIM_HORIZON' } })));
        ws.once('error', reject);
      }),
  ),
);
console.log('ready');

let expected = Infinity;
process.stdin.on('data', (d) => (expected = Number(String(d).trim())));
const deadline = Date.now() + Number(timeoutSec) * 1000;
await new Promise((resolve) => {
  const t = setInterval(() => {
    if (consumers.every((c) => c.records >= expected) || Date.now() > deadline) {
      clearInterval(t);
      resolve();
    }
  }, 20);
});
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? null;
console.log(
  JSON.stringify({
    consumers: consumers.map(({ records, bytes, gaps, repeats, malformed, firstAt, lastAt }) => ({ records, bytes, gaps, repeats, malformed, seconds: (lastAt - firstAt) / 1000 })),
    latencyP50Ms: pct(50),
    latencyP99Ms: pct(99),
    latencySamples: latencies.length,
  }),
);
process.exit(0);
