// What each phase reads about the server process: RSS before, its peak during, and after a
// settle that waits (bounded) until RSS is back near where it was or has stopped falling.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The target: RSS back within this factor of its value before the attack. */
export const RSS_BACK_FACTOR = 1.1;
const SAMPLE_MS = 100;
const SETTLE_STEP_MS = 250;
/** RSS has stopped falling once it has not dropped by 1% for this long. */
const FLAT_MS = 2000;

/** Samples RSS every 100 ms; stop() returns the peak. */
export function rssSampler(server) {
  let peak = server.rssBytes() ?? 0;
  const timer = setInterval(() => (peak = Math.max(peak, server.rssBytes() ?? 0)), SAMPLE_MS);
  return { stop: () => (clearInterval(timer), Math.max(peak, server.rssBytes() ?? 0)) };
}

/** Waits until RSS is within RSS_BACK_FACTOR of `beforeBytes`, stops falling, or `maxMs` passes. */
export async function settle(server, beforeBytes, maxMs) {
  const t0 = Date.now();
  let low = server.rssBytes() ?? 0;
  let lowAt = t0;
  let why = 'time limit';
  while (Date.now() - t0 < maxMs && server.alive()) {
    await sleep(SETTLE_STEP_MS);
    const v = server.rssBytes() ?? 0;
    if (v <= beforeBytes * RSS_BACK_FACTOR) {
      why = 'back within 10%';
      break;
    }
    if (v < low * 0.99) (low = v), (lowAt = Date.now());
    else if (Date.now() - lowAt >= FLAT_MS) {
      why = 'stopped falling';
      break;
    }
  }
  return { rssAfterBytes: server.rssBytes(), settleMs: Date.now() - t0, settledBy: why };
}
