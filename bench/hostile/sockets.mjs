// Connections the slow and idle phases hold: opened in bounded batches, each remembering when it
// opened and when (and by whom) it was closed.
import net from 'node:net';

/** Opens a TCP connection; resolves { socket, openedMs, closedMs (null while open), closedBy } or null on failure. */
export function hold(port, track, onOpen) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const held = { socket, openedMs: 0, closedMs: null, closedBy: null, bytesIn: 0 };
    track(held.socket);
    socket.once('connect', () => {
      held.openedMs = Date.now();
      onOpen?.(held);
      resolve(held);
    });
    socket.on('data', (d) => (held.bytesIn += d.length));
    socket.on('error', () => {});
    socket.once('close', () => {
      held.closedMs = Date.now();
      held.closedBy ??= 'server';
      if (held.openedMs === 0) resolve(null);
    });
  });
}

/** Opens up to `n` connections, `parallel` at a time, stopping at `untilMs`. */
export async function holdMany(port, n, { parallel = 200, untilMs = Infinity, track, onOpen }) {
  const out = [];
  let failed = 0;
  for (let i = 0; i < n && Date.now() < untilMs; i += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => hold(port, track, onOpen)));
    for (const h of batch) h === null ? failed++ : out.push(h);
  }
  return { held: out, failed };
}

/** Closes what is still open, marking it closed by us. */
export function release(list) {
  for (const h of list) {
    if (h.closedMs === null) h.closedBy = 'client';
    h.socket.destroy();
  }
}

const pct = (v, p) => (v.length === 0 ? null : v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]);

/** How long the server let connections live: counts, and p50/max of open → close by the server (s). */
export function lifetimes(list, nowMs = Date.now()) {
  const byServer = list.filter((h) => h.closedBy === 'server').map((h) => (h.closedMs - h.openedMs) / 1000).sort((a, b) => a - b);
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    opened: list.length,
    closedByServer: byServer.length,
    closedWithin1s: byServer.filter((s) => s < 1).length,
    stillOpen: list.filter((h) => h.closedMs === null).length,
    serverCloseP50S: round(pct(byServer, 50)),
    serverCloseMaxS: round(byServer.at(-1) ?? null),
    longestOpenS: round(Math.max(0, ...list.map((h) => ((h.closedMs ?? nowMs) - h.openedMs) / 1000))),
  };
}
