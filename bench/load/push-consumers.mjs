// Push consumers for bench/fanout.mjs, run as their own process: one WebSocket per consumer ARN,
// each subscribed to every shard of the stream (docs/ws-protocol.md, "WebSocket push") from
// TRIM_HORIZON. Checks that every frame is well formed (its records end at its end) and that
// every record arrives exactly once and in order per shard (counters are dense per shard, so each
// must be the previous one + 1), measures put → push latency from the wall time the producer
// stamps into each record's first 8 bytes (leaving out records put in the first second), and
// prints one JSON line, with its own CPU time, when every consumer has `expected` records (read
// from stdin) or `timeoutSec` passes.
//   node push-consumers.mjs <ws url> <consumer ARNs, comma-separated> <timeoutSec>
//
// The client is a minimal WebSocket reader over a TCP socket (RFC 6455: handshake, masked
// client frames, unmasked server frames) that parses records as the bytes arrive and copies
// nothing but a partial header at a chunk's end: the consumers share the machine's two cores
// with the server and the producer, so they must cost as little as possible. Frames and
// records may be split anywhere across TCP reads.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const [url, arnList, timeoutSec] = process.argv.slice(2);
const arns = arnList.split(',');
const consumers = arns.map(() => ({ records: 0, bytes: 0, gaps: 0, repeats: 0, malformed: 0, last: new Map(), firstAt: 0, lastAt: 0 }));
const latencies = [];
let sample = 0;
/** Records put in the load's first second are not timed (connection setup, JIT warm-up), as in bench/put-records.mjs. */
const WARMUP_MS = 1000;
let firstStamp = null;

const RECORDS_HEADER = 28;
const RECORD_FIXED = 22;
const STAMP = 8;

/** One subscriber connection: calls onText(string) for text frames and counts records itself. */
function subscriber(me, onText) {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.setNoDelay(true);
  let handshake = Buffer.alloc(0);
  let open = false;
  let carry = null; // bytes of an incomplete header kept from the last chunk
  // Frame state: bytes of payload left; opcode; for text, the pieces; for binary, record state.
  let left = 0;
  let opcode = 0;
  let text = [];
  let frameHead = true; // the next payload bytes are a RECORDS header
  let shard = 0;
  let count = 0;
  let seen = 0;
  let skip = 0; // bytes of the current record's body still to pass over
  let stampNeeded = false;
  let now = 0;

  const endFrame = () => {
    if (opcode === 1) onText(Buffer.concat(text).toString('utf8'));
    else if (opcode === 2 && (frameHead || seen !== count || skip !== 0)) me.malformed++;
    text = [];
    frameHead = true;
    seen = count = skip = 0;
  };

  /** Consumes payload bytes buf[at, end) of the current frame; returns how many it used (less when a header is split). */
  const payload = (buf, at, end) => {
    const start = at;
    if (opcode === 1) {
      text.push(buf.subarray(at, end));
      return end - at;
    }
    if (opcode !== 2) return end - at; // ping, pong: nothing to count
    while (at < end) {
      if (skip > 0) {
        if (stampNeeded) {
          if (end - at < STAMP) return at - start;
          if ((sample++ & 7) === 0) {
            const stamp = buf.readDoubleLE(at);
            firstStamp ??= stamp;
            if (stamp - firstStamp >= WARMUP_MS) latencies.push(now - stamp);
          }
          stampNeeded = false;
        }
        const n = Math.min(skip, end - at);
        skip -= n;
        at += n;
        continue;
      }
      if (frameHead) {
        if (end - at < RECORDS_HEADER) return at - start;
        if (buf[at] !== 4) me.malformed++;
        shard = buf.readUInt32LE(at + 4);
        count = buf.readUInt32LE(at + 24);
        frameHead = false;
        at += RECORDS_HEADER;
        continue;
      }
      if (seen === count) {
        me.malformed++; // bytes past the last record
        return end - start;
      }
      if (end - at < RECORD_FIXED) return at - start;
      const counter = buf.readDoubleLE(at);
      const keyLen = buf.readUInt16LE(at + 16);
      const dataLen = buf.readUInt32LE(at + 18);
      const prev = me.last.get(shard);
      if (prev !== undefined && counter !== prev + 1) {
        if (counter <= prev) me.repeats++;
        else me.gaps++;
      }
      me.last.set(shard, counter);
      me.records++;
      me.bytes += dataLen;
      seen++;
      at += RECORD_FIXED + keyLen; // keys are short: in this chunk or the stamp check waits for them
      skip = dataLen;
      stampNeeded = dataLen >= STAMP;
      if (at > end) {
        // The key runs past this chunk: pass over its rest first.
        skip += at - end;
        stampNeeded = false;
        at = end;
      }
    }
    return at - start;
  };

  socket.on('data', (chunk) => {
    if (!open) {
      handshake = Buffer.concat([handshake, chunk]);
      const endOfHead = handshake.indexOf('\r\n\r\n');
      if (endOfHead < 0) return;
      if (!handshake.subarray(0, 12).toString().includes('101')) throw new Error(`handshake refused: ${handshake.toString()}`);
      open = true;
      chunk = handshake.subarray(endOfHead + 4);
      onOpen();
    }
    now = performance.timeOrigin + performance.now();
    let buf = carry === null ? chunk : Buffer.concat([carry, chunk]);
    carry = null;
    let at = 0;
    const before = me.records;
    while (at < buf.length) {
      if (left === 0) {
        // A frame header: 2 bytes, then a 16- or 64-bit length; server frames are not masked.
        if (buf.length - at < 2) break;
        const len7 = buf[at + 1] & 0x7f;
        const need = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
        if (buf.length - at < need) break;
        const op = buf[at] & 0x0f;
        if (op !== 0) opcode = op; // 0: a continuation of the frame before
        left = len7 === 126 ? buf.readUInt16BE(at + 2) : len7 === 127 ? Number(buf.readBigUInt64BE(at + 2)) : len7;
        at += need;
        if (left === 0 && buf[at - need] & 0x80) endFrame();
        continue;
      }
      const end = Math.min(buf.length, at + left);
      const used = payload(buf, at, end);
      left -= used;
      at += used;
      if (left === 0) endFrame();
      else if (used < end - at + used && at < end) break; // a header split across chunks: keep the rest
    }
    if (at < buf.length) carry = Buffer.from(buf.subarray(at));
    if (me.records > before) {
      if (me.firstAt === 0) me.firstAt = now;
      me.lastAt = now;
    }
  });

  let onOpen = () => undefined;
  const key = randomBytes(16).toString('base64');
  socket.write(`GET /subscribe HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  return {
    socket,
    opened: new Promise((resolve) => (onOpen = resolve)),
    /** Sends one masked text frame (clients must mask). */
    sendText(str) {
      const body = Buffer.from(str);
      const head = body.length < 126 ? Buffer.from([0x81, 0x80 | body.length]) : Buffer.from([0x81, 0x80 | 126, body.length >> 8, body.length & 0xff]);
      const mask = randomBytes(4);
      for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
      socket.write(Buffer.concat([head, mask, body]));
    },
  };
}

await Promise.all(
  arns.map(
    (consumerARN, c) =>
      new Promise((resolve, reject) => {
        const sub = subscriber(consumers[c], (msg) => {
          const m = JSON.parse(msg);
          if (m.type === 'subscribed') resolve();
          else reject(new Error(msg));
        });
        sub.socket.once('error', reject);
        sub.opened.then(() => sub.sendText(JSON.stringify({ consumerARN, startingPosition: { Type: 'TRIM_HORIZON' } })));
      }),
  ),
);
console.log('ready');
const cpu0 = process.cpuUsage();

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
    cpuSeconds: (() => {
      const u = process.cpuUsage(cpu0);
      return (u.user + u.system) / 1e6;
    })(),
  }),
);
process.exit(0);
