/**
 * The one module that loads the native addon (native-bindings/, built by node-gyp at install).
 * Falls back to the TypeScript twins, with the same answers, when the addon is missing or when
 * RIFFLE_NATIVE=0, and says so once. Arguments are validated here; the C++ asserts them again.
 */
import { createRequire } from 'node:module';
import { crc32c as crc32cTwin } from './crc32c.js';
import { md5Into } from './md5.js';

export interface NativeApi {
  /** Writes MD5 of each key (keys[offsets[i], offsets[i+1])) to out[16i, 16i+16). */
  md5Batch(keys: Uint8Array, offsets: Uint32Array, out: Uint8Array): void;
  /** For each key: MD5 → 128-bit hash key → index of the last 16-byte start in `starts` <= it. */
  routeBatch(keys: Uint8Array, offsets: Uint32Array, starts: Uint8Array, out: Uint32Array): void;
  crc32c(data: Uint8Array, crc?: number): number;
  readonly crc32cHardware: boolean;
}

/** Index of the last 16-byte big-endian start <= key (starts ascending, first all zeros). */
export function findRangeBytes(starts: Uint8Array, key: Uint8Array, keyOff: number): number {
  let lo = 0;
  let hi = starts.length / 16 - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (compare16(starts, mid * 16, key, keyOff) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function compare16(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): number {
  for (let i = 0; i < 16; i++) {
    const d = (a[aOff + i] as number) - (b[bOff + i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

const digest = new Uint8Array(16);

export const typescriptTwin: NativeApi = {
  md5Batch(keys, offsets, out) {
    for (let i = 0; i + 1 < offsets.length; i++) md5Into(keys, offsets[i] as number, (offsets[i + 1] as number) - (offsets[i] as number), out, 16 * i);
  },
  routeBatch(keys, offsets, starts, out) {
    for (let i = 0; i + 1 < offsets.length; i++) {
      md5Into(keys, offsets[i] as number, (offsets[i + 1] as number) - (offsets[i] as number), digest, 0);
      out[i] = findRangeBytes(starts, digest, 0);
    }
  },
  crc32c: crc32cTwin,
  crc32cHardware: false,
};

function checkKeys(keys: Uint8Array, offsets: Uint32Array): number {
  const count = offsets.length - 1;
  if (count < 0 || offsets[0] !== 0 || (offsets[count] as number) > keys.length) throw new RangeError('offsets must start at 0 and end within keys');
  for (let i = 0; i < count; i++) if ((offsets[i + 1] as number) < (offsets[i] as number)) throw new RangeError('offsets must not decrease');
  return count;
}

/** Wraps an implementation with the argument checks both share. */
function checked(impl: NativeApi): NativeApi {
  return {
    md5Batch(keys, offsets, out) {
      const count = checkKeys(keys, offsets);
      if (out.length !== count * 16) throw new RangeError(`out must be ${count * 16} bytes`);
      impl.md5Batch(keys, offsets, out);
    },
    routeBatch(keys, offsets, starts, out) {
      const count = checkKeys(keys, offsets);
      if (starts.length === 0 || starts.length % 16 !== 0) throw new RangeError('starts must hold 16-byte hash keys');
      if (out.length !== count) throw new RangeError(`out must hold ${count} entries`);
      impl.routeBatch(keys, offsets, starts, out);
    },
    crc32c: (data, crc = 0) => impl.crc32c(data, crc),
    crc32cHardware: impl.crc32cHardware,
  };
}

export type NativeKind = 'native' | 'typescript';

function load(): { api: NativeApi; kind: NativeKind } {
  if (process.env.RIFFLE_NATIVE === '0') return { api: typescriptTwin, kind: 'typescript' };
  try {
    const require = createRequire(import.meta.url);
    const addon = require('../../native-bindings/build/Release/riffle_native.node') as NativeApi;
    return { api: addon, kind: 'native' };
  } catch (err) {
    console.warn(`riffle: native addon not loaded (${(err as Error).message.split('\n')[0]}); using the TypeScript twin`);
    return { api: typescriptTwin, kind: 'typescript' };
  }
}

const loaded = load();
/** The implementation in use: the addon, or its TypeScript twin. */
export const native: NativeApi = checked(loaded.api);
export const nativeKind: NativeKind = loaded.kind;
/** Both, checked, for tests and benchmarks that compare them. */
export const implementations = {
  typescript: checked(typescriptTwin),
  native: loaded.kind === 'native' ? native : null,
} as const;
