// Phase 3: fuzzed WebSocket frames on the stream port (docs/ws-protocol.md). /ingest gets PUT
// frames built valid and then mutated (truncated, wrong type, version or flags, bad and huge
// declared lengths, counts past the limit, bad UTF-8, LZ4 blocks that lie, random bytes, frames
// at and past the 12 MiB - 64 KiB limit, text frames); /subscribe gets SUBSCRIBE documents
// mutated member by member, and binary frames. Each frame waits for its reply: /ingest answers
// every frame with one ACK or ERROR (or closes the connection, for an oversized frame). Findings:
// InternalFailure, ACK entries with status 2, frames left unanswered, unexpected close codes.
// Beside them: a connection that floods past the 128-frame window, and push subscribers that
// never read (the server must stop feeding them at 1 MiB).
import { compressSync } from 'lz4-napi';
import WebSocket from 'ws';
import { mutateMembers, toJson } from './cases.mjs';

const REPLY_TIMEOUT_MS = 3000;
const FRAME_BYTES_MAX = 12 * 1024 * 1024 - 64 * 1024;
const FINDINGS_KEPT = 25;
const PATHS_UNKNOWN = ['/push', '/ingest/x', '/subscribe?x=%00', '/'];

/** A valid PUT frame (docs/ws-protocol.md), with its records' offset. */
export function putFrame(batchId, stream, records, lz4 = false) {
  const name = Buffer.from(stream);
  const recs = Buffer.concat(records.map(({ key, data, hashKey }) => {
    const k = Buffer.from(key);
    const head = Buffer.alloc(3);
    head.writeUInt8(hashKey === undefined ? 0 : 1, 0);
    head.writeUInt16LE(k.length, 1);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(data.length);
    return Buffer.concat([head, hashKey ?? Buffer.alloc(0), k, len, data]);
  }));
  const head = Buffer.alloc(10);
  head.writeUInt8(1, 0);
  head.writeUInt8(1, 1);
  head.writeUInt16LE(lz4 ? 1 : 0, 2);
  head.writeUInt32LE(batchId, 4);
  head.writeUInt16LE(name.length, 8);
  const count = Buffer.alloc(4);
  count.writeUInt32LE(records.length);
  const body = lz4 ? compressSync(recs) : recs;
  return { frame: Buffer.concat([head, name, count, body]), recordsAt: 10 + name.length + 4 };
}

const memo = new Map();
const once = (key, make) => memo.get(key) ?? (memo.set(key, make()), memo.get(key));

/** One fuzzed /ingest frame: { data, binary, how, oversized }. */
function ingestFrame(r, stream, batchId) {
  const n = 1 + r.int(r.chance(0.9) ? 5 : 500);
  const records = Array.from({ length: n }, (_, i) => ({ key: `k${i}`, data: Buffer.alloc(r.int(200), 0x62), ...(r.chance(0.2) ? { hashKey: r.bytes(16) } : {}) }));
  const lz4 = r.chance(0.15);
  const { frame, recordsAt } = putFrame(batchId, r.chance(0.9) ? stream : r.pick(['nope', '', 'x'.repeat(300), '\u00e9']), records, lz4);
  const f = Buffer.from(frame);
  const set = (how, fn) => (fn(), { data: f, binary: true, how });
  switch (r.int(22)) {
    case 0:
      return { data: f, binary: true, how: lz4 ? 'valid (LZ4)' : 'valid' };
    case 1:
      return { data: f.subarray(0, r.int(f.length)), binary: true, how: 'truncated' };
    case 2:
      return set('wrong type', () => (f[0] = r.pick([0, 2, 3, 4, 255])));
    case 3:
      return set('wrong version', () => (f[1] = r.pick([0, 2, 255])));
    case 4:
      return set('unknown flags', () => f.writeUInt16LE(2 + r.int(65534), 2));
    case 5:
      return set('stream name length past the end', () => f.writeUInt16LE(r.pick([65535, f.length, f.length - 9]), 8));
    case 6:
      return set('record count 0 / past 10,000 / 2^32-1 / more than sent', () => f.writeUInt32LE(r.pick([0, 10_001, 0xffffffff, n + 1, n + 1000]), recordsAt - 4));
    case 7:
      return lz4 ? set('LZ4 claimed length huge', () => f.writeUInt32LE(r.pick([0xffffffff, 8_323_073, 8_323_072, 0]), recordsAt)) : set('key length past the end', () => f.writeUInt16LE(r.pick([65535, 257, 0]), recordsAt + 1));
    case 8:
      return set('data length 2^32-1', () => !lz4 && f[recordsAt] === 0 && f.writeUInt32LE(0xffffffff, recordsAt + 3 + f.readUInt16LE(recordsAt + 1)));
    case 9:
      return set('record flags unknown', () => !lz4 && (f[recordsAt] = r.pick([2, 3, 255])));
    case 10:
      return { data: Buffer.concat([f, r.bytes(1 + r.int(32))]), binary: true, how: 'trailing bytes' };
    case 11:
      return set('bad UTF-8 in the stream name', () => f.length > 11 && (f[10] = 0xff));
    case 12:
      return { data: Buffer.concat([f.subarray(0, recordsAt), r.bytes(r.int(2000))]), binary: true, how: 'random records' };
    case 13:
      return { data: r.bytes(r.int(64)), binary: true, how: 'random bytes' };
    case 14:
      return { data: Buffer.concat([f.subarray(0, recordsAt), Buffer.from([0x80, 0x00, 0x01, 0xff]), r.bytes(100)]), binary: true, how: lz4 ? 'LZ4 block of garbage' : 'record of garbage' };
    case 15:
      return { data: toJson(r.pick([{ type: 1 }, 'PUT', null, [1, 2]])), binary: false, how: 'text frame' };
    case 16:
      return { data: once('10k', () => putFrame(0, stream, Array.from({ length: 10_000 }, (_, i) => ({ key: String(i % 97), data: Buffer.alloc(1) }))).frame), binary: true, how: '10,000 one-byte records' };
    case 17:
      if (r.chance(0.7)) return { data: f, binary: true, how: 'valid' }; // the large frames below are rarer
      return { data: once('maxframe', () => Buffer.concat([putFrame(0, stream, [{ key: 'k', data: Buffer.alloc(1024 * 1024) }]).frame, Buffer.alloc(FRAME_BYTES_MAX - 1024 * 1024 - 30)])), binary: true, how: 'a frame at the size limit (trailing bytes)' };
    case 18:
      if (r.chance(0.7)) return { data: f, binary: true, how: 'valid' };
      return { data: once('overframe', () => Buffer.alloc(FRAME_BYTES_MAX + 1, 1)), binary: true, how: 'a frame past the size limit', oversized: true };
    case 19:
      return set('partition key not UTF-8', () => !lz4 && f[recordsAt] === 0 && f.readUInt16LE(recordsAt + 1) > 0 && (f[recordsAt + 3] = 0xc0));
    case 20:
      return { data: once('bigrec', () => putFrame(0, stream, [{ key: 'k', data: Buffer.alloc(1024 * 1024 + 1) }]).frame), binary: true, how: 'a record past 1 MiB' };
    default:
      return { data: Buffer.from(compressSync(r.bytes(100))), binary: true, how: 'an LZ4 block as the frame' };
  }
}

/** One fuzzed /subscribe frame. */
function subscribeFrame(r, consumerArn) {
  const valid = { consumerARN: consumerArn, shards: ['shardId-000000000000'], startingPosition: { Type: 'TRIM_HORIZON' }, resume: { 'shardId-000000000000': '4' + '0'.repeat(43) } };
  if (r.chance(0.1)) return { data: r.bytes(r.int(100)), binary: true, how: 'binary frame' };
  if (r.chance(0.1)) return { data: r.bytes(r.int(200)).toString('latin1'), binary: false, how: 'random text' };
  return { data: toJson(r.chance(0.15) ? valid : mutateMembers(r, valid)).slice(0, 60_000), binary: false, how: 'SUBSCRIBE' };
}

/** A connected WebSocket, or null if the upgrade failed (its status counted). */
function open(url, track, count) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    track({ destroy: () => ws.terminate() });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => (count(`upgrade ${res.statusCode}`), res.resume(), resolve(null)));
    ws.once('error', () => (count('upgrade error'), resolve(null)));
  });
}

/** Sends one frame and waits for its reply, the close, or the time limit. */
function exchange(ws, frame) {
  return new Promise((resolve) => {
    const done = (v) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve(v);
    };
    const onMessage = (m, isBinary) => done({ reply: Buffer.from(m), isBinary });
    const onClose = (code) => done({ closed: code });
    const timer = setTimeout(() => done({ timeout: true }), REPLY_TIMEOUT_MS);
    ws.on('message', onMessage);
    ws.once('close', onClose);
    try {
      ws.send(frame.data, { binary: frame.binary });
    } catch {
      done({ closed: 'send failed' });
    }
  });
}

/** What an /ingest reply says: 'ACK', 'ACK with status 2', 'ERROR <type>'. */
function ingestReply(buf) {
  if (buf.length >= 20 && buf[0] === 2) {
    const count = buf.readUInt32LE(16);
    for (let i = 0; i < count && 20 + i * 13 < buf.length; i++) if (buf[20 + i * 13] === 2) return 'ACK with status 2 (internal)';
    return 'ACK';
  }
  if (buf.length >= 10 && buf[0] === 3) return `ERROR ${buf.subarray(10, 10 + buf.readUInt16LE(8)).toString()}`;
  return `unknown reply type ${buf[0]}`;
}

/** What a /subscribe reply is: its JSON type (and code), or RECORDS. */
function pushReply({ reply, isBinary }) {
  if (isBinary) return reply[0] === 4 ? 'RECORDS' : `binary type ${reply[0]}`;
  try {
    const m = JSON.parse(reply.toString());
    return `${m.type}${m.code === undefined ? '' : ` ${m.code}`}`;
  } catch {
    return 'text that is not JSON';
  }
}

export async function wsFuzz({ server, r, deadline, maxRequests, concurrency, ctx, track }) {
  const base = `ws://127.0.0.1:${server.streamPort}`;
  const outcomes = {};
  const count = (k) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  const findings = [];
  const note = (f) => findings.length < FINDINGS_KEPT && findings.push(f);
  let tried = 0;
  let unanswered = 0;
  let internal = 0;
  let batch = 1;

  const worker = async (path) => {
    let ws = null;
    while (Date.now() < deadline && tried < maxRequests) {
      if (ws === null || ws.readyState !== WebSocket.OPEN) {
        ws = await open(`${base}${path}`, track, count);
        if (ws === null) continue;
      }
      tried++;
      const frame = path === '/ingest' ? ingestFrame(r, ctx.wsStream, batch++) : subscribeFrame(r, ctx.consumerArn);
      const out = await exchange(ws, frame);
      const shown = { path, how: frame.how, bytes: frame.data.length, ...(frame.data.length <= 2048 ? { frameBase64: Buffer.from(frame.data).toString('base64') } : {}) };
      if (out.timeout) {
        // A /subscribe that subscribed may stay quiet; an /ingest frame must be answered.
        if (path === '/ingest') unanswered++, note({ kind: 'unanswered', ...shown });
        count(`${path} no reply`);
        continue;
      }
      if (out.closed !== undefined) {
        count(`${path} closed ${out.closed}`);
        if (!(frame.oversized && out.closed === 1006)) note({ kind: `closed ${out.closed}`, ...shown });
        ws = null;
        continue;
      }
      const what = path === '/ingest' ? ingestReply(out.reply) : pushReply(out);
      count(`${path} ${what}`);
      if (/InternalFailure|status 2|unknown reply|not JSON|binary type/.test(what)) internal++, note({ kind: what, ...shown, reply: out.reply.subarray(0, 300).toString('latin1') });
      if (path === '/subscribe' && !/error/.test(what)) ws.close(), (ws = null); // a fresh connection for the next SUBSCRIBE
    }
    ws?.terminate();
  };

  // Beside the fuzzers: a window flood, push readers that never read, upgrades to unknown paths.
  const side = {};
  const flood = await open(`${base}/ingest`, track, count);
  if (flood !== null) {
    let refused = 0;
    let replies = 0;
    flood.on('message', (m) => (replies++, ingestReply(Buffer.from(m)) === 'ERROR LimitExceededException' && refused++));
    const frame = putFrame(0, ctx.wsStream, [{ key: 'k', data: Buffer.alloc(10) }]).frame;
    for (let i = 0; i < 1000; i++) flood.send(frame);
    side.windowFlood = () => ({ sent: 1000, replies, limitExceeded: refused });
  }
  const stalled = [];
  for (let i = 0; i < 2; i++) {
    const ws = await open(`${base}/subscribe`, track, count);
    if (ws === null) continue;
    ws.send(JSON.stringify({ consumerARN: ctx.consumerArn, startingPosition: { Type: 'TRIM_HORIZON' } }));
    ws._socket.pause(); // never reads: the server must stop feeding it at its high-water mark
    stalled.push(ws);
  }
  for (const p of PATHS_UNKNOWN) {
    const ws = await open(`${base}${p}`, track, count);
    count(`upgrade to ${p}: ${ws === null ? 'refused' : 'opened'}`);
    ws?.terminate();
  }
  const ingestWorkers = Math.max(1, Math.ceil((concurrency * 3) / 4));
  await Promise.all([...Array.from({ length: ingestWorkers }, () => worker('/ingest')), ...Array.from({ length: Math.max(1, concurrency - ingestWorkers) }, () => worker('/subscribe'))]);
  flood?.terminate();
  for (const ws of stalled) ws.terminate();
  return { requests: tried, unanswered, internalFailures: internal, outcomes, windowFlood: side.windowFlood?.() ?? null, stalledPushReaders: stalled.length, findings };
}
