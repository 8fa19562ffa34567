import { UsageError } from './args.js';

/**
 * Partition keys for `riffle load --keys`: uniform:N (N keys, equally likely), zipf:N,s (N keys,
 * the k-th as likely as 1/k^s: a few hot keys and a long tail), hot:P (a fraction P of the records,
 * e.g. 0.9 or 90%, on one key, the rest spread over a million). Deterministic for a seed.
 */
export type KeyPicker = () => string;

/** mulberry32: a small fast PRNG, so runs can be repeated (--seed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS_MAX = 10_000_000;

function count(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > KEYS_MAX) throw new UsageError(`--keys ${what}: N must be an integer from 1 to ${KEYS_MAX}`);
  return n;
}

export function keyPicker(spec: string, random: () => number): KeyPicker {
  const [kind, args = ''] = spec.split(':', 2) as [string, string?];
  if (kind === 'uniform') {
    const n = count(args, spec);
    return () => `k${Math.floor(random() * n)}`;
  }
  if (kind === 'zipf') {
    const [nText = '', sText = '1'] = args.split(',');
    const n = count(nText, spec);
    const s = Number(sText);
    if (!Number.isFinite(s) || s <= 0 || s > 10) throw new UsageError(`--keys ${spec}: s must be a number in (0, 10]`);
    const cdf = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) cdf[k] = total += 1 / Math.pow(k + 1, s);
    return () => {
      const u = random() * total;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      return `k${lo}`;
    };
  }
  if (kind === 'hot') {
    const p = args.endsWith('%') ? Number(args.slice(0, -1)) / 100 : Number(args);
    if (args === '' || !Number.isFinite(p) || p < 0 || p > 1) throw new UsageError(`--keys ${spec}: P is a fraction (0.9) or a percentage (90%)`);
    return () => (random() < p ? 'hot' : `k${Math.floor(random() * 1_000_000)}`);
  }
  throw new UsageError(`--keys ${JSON.stringify(spec)}: uniform:N, zipf:N,s or hot:P`);
}
