// Seeded message generator and verifier shared by the ring tests and their worker threads.
// Plain .mjs so a worker thread can import it without a TypeScript loader.
// Message `index` of stream `seed` has a length and bytes derived from (seed, index) alone, so a
// verifier detects a flipped byte, a wrong length, a dropped/duplicated message, or a reordering.

/** lowbias32 (Chris Wellons' hash-prospector): a cheap full-avalanche 32-bit mix. */
export function mix32(x) {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Length of message `index`: mostly small, some medium, a few up to 3000, ~1 in 4096 exactly
 * `maxLen` (the ring's maxMessageBytes), and ~1 in 32 empty, so every size class and the
 * biggest-message path occur thousands of times in a 200k-message run.
 */
export function messageLength(seed, index, maxLen) {
  const h = mix32(seed ^ mix32(index + 0x9e3779b9));
  const bucket = h & 31;
  const r = h >>> 5;
  if (bucket === 0) return 0;
  if ((h & 0xfff000) === 0x5a5000) return maxLen;
  if (bucket < 16) return r % 65;
  if (bucket < 28) return r % 1501;
  return r % 3001;
}

function firstWord(seed, index) {
  return mix32((seed + Math.imul(index, 0x2545f491)) ^ 0x5bd1e995) | 1;
}

/** Fills `view` with message `index`'s bytes: an xorshift32 stream, 4 bytes per step. */
export function fillMessage(seed, index, view) {
  let x = firstWord(seed, index);
  const n = view.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view[i] = x;
    view[i + 1] = x >>> 8;
    view[i + 2] = x >>> 16;
    view[i + 3] = x >>> 24;
  }
  if (i < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    for (let shift = 0; i < n; i++, shift += 8) view[i] = x >>> shift;
  }
}

/** Offset of the first byte of `view` that differs from message `index`, or -1 if all match. */
export function firstBadByte(seed, index, view) {
  let x = firstWord(seed, index);
  const n = view.length;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    for (let k = 0, shift = 0; k < 4 && i + k < n; k++, shift += 8) {
      if (view[i + k] !== ((x >>> shift) & 0xff)) return i + k;
    }
  }
  return -1;
}

/**
 * Checks message `index`: returns null if it is right, else a description naming the index, so a
 * failed assertion says which message and what was wrong.
 */
export function describeMismatch(seed, index, maxLen, view) {
  const expectedLen = messageLength(seed, index, maxLen);
  if (view.length !== expectedLen) return `message ${index}: length ${view.length}, expected ${expectedLen}`;
  const bad = firstBadByte(seed, index, view);
  return bad === -1 ? null : `message ${index}: byte ${bad} of ${view.length} is wrong`;
}

/** Order-sensitive FNV-1a-style digest over every message's length and bytes. */
export function digestUpdate(digest, view) {
  let h = Math.imul(digest ^ view.length, 0x01000193);
  for (let i = 0; i < view.length; i++) h = Math.imul(h ^ view[i], 0x01000193);
  return h >>> 0;
}

export const DIGEST_START = 0x811c9dc5;

/** Seeded batch sizes (1..64) for producers, independent of the message stream. */
export function batchSize(seed, batchIndex) {
  return 1 + (mix32(seed ^ 0xb5297a4d ^ Math.imul(batchIndex, 0x68e31da4)) % 64);
}
