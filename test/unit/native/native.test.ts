import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { implementations, nativeKind, type NativeApi } from '../../../src/native/index.js';
import { hashKeyHex, splitHashKeySpace } from '../../../src/engine/hash-key.js';

interface KeyVector {
  key: string;
  md5: string;
  hashKey: string;
  shards: Record<string, number>;
}
const golden = JSON.parse(readFileSync(new URL('../../golden/partition-keys.json', import.meta.url), 'utf8')) as { shardCounts: number[]; vectors: KeyVector[] };
const crcGolden = JSON.parse(readFileSync(new URL('../../golden/crc32c.json', import.meta.url), 'utf8')) as { vectors: Array<{ hex: string; value: number }> };

function pack(keys: string[]): { bytes: Uint8Array; offsets: Uint32Array } {
  const parts = keys.map((k) => Buffer.from(k, 'utf8'));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = (offsets[i] as number) + p.length));
  return { bytes: Buffer.concat(parts), offsets };
}

function startsFor(n: number): Uint8Array {
  return Buffer.from(splitHashKeySpace(n).map((r) => hashKeyHex(r.start)).join(''), 'hex');
}

const impls: Array<[string, NativeApi]> = [['typescript twin', implementations.typescript]];
if (implementations.native !== null) impls.push(['native addon', implementations.native]);

it('loads the native addon (built by npm install), unless RIFFLE_NATIVE=0', () => {
  expect(nativeKind).toBe(process.env.RIFFLE_NATIVE === '0' ? 'typescript' : 'native');
});

describe.each(impls)('%s', (_name, api) => {
  const { bytes, offsets } = pack(golden.vectors.map((v) => v.key));

  it('computes MD5 of every golden partition key', () => {
    const out = new Uint8Array(golden.vectors.length * 16);
    api.md5Batch(bytes, offsets, out);
    golden.vectors.forEach((v, i) => expect(Buffer.from(out.subarray(16 * i, 16 * i + 16)).toString('hex')).toBe(v.md5));
  });

  it('routes every golden key to the shard AWS would pick, for every shard count', () => {
    for (const n of golden.shardCounts) {
      const out = new Uint32Array(golden.vectors.length);
      api.routeBatch(bytes, offsets, startsFor(n), out);
      expect([...out]).toEqual(golden.vectors.map((v) => v.shards[String(n)]));
    }
  });

  it('computes CRC-32C as RFC 3720, in one call or continued', () => {
    for (const v of crcGolden.vectors) {
      const data = Buffer.from(v.hex, 'hex');
      expect(api.crc32c(data)).toBe(v.value);
      const cut = data.length >> 1;
      expect(api.crc32c(data.subarray(cut), api.crc32c(data.subarray(0, cut)))).toBe(v.value);
    }
  });

  it('rejects arguments that would read or write out of bounds', () => {
    expect(() => api.md5Batch(bytes, new Uint32Array([0, bytes.length + 1]), new Uint8Array(16))).toThrow();
    expect(() => api.md5Batch(bytes, offsets, new Uint8Array(15))).toThrow();
    expect(() => api.routeBatch(bytes, offsets, new Uint8Array(15), new Uint32Array(golden.vectors.length))).toThrow();
    expect(() => api.routeBatch(bytes, offsets, startsFor(2), new Uint32Array(1))).toThrow();
  });
});

it('the addon itself refuses out-of-bounds arguments (not only the TypeScript wrapper)', () => {
  if (implementations.native === null) return;
  const addon = createRequire(import.meta.url)('../../../native-bindings/build/Release/riffle_native.node') as NativeApi;
  const keys = Buffer.from('abcdef');
  expect(() => addon.md5Batch(keys, new Uint32Array([0, 4, 2]), new Uint8Array(32))).toThrow('offsets must not decrease');
  expect(() => addon.md5Batch(keys, new Uint32Array([0, 7]), new Uint8Array(16))).toThrow('offsets run past the keys');
  expect(() => addon.md5Batch(keys, new Uint32Array([1, 2]), new Uint8Array(16))).toThrow('offsets[0] must be 0');
  expect(() => addon.md5Batch(keys, new Uint32Array([0, 2]), new Uint8Array(15))).toThrow('out must be a Uint8Array of count * 16 bytes');
  expect(() => addon.routeBatch(keys, new Uint32Array([0, 2]), new Uint8Array(17), new Uint32Array(1))).toThrow('starts must hold one or more 16-byte hash keys');
  expect(() => addon.routeBatch(keys, new Uint32Array([0, 2]), new Uint8Array(16), new Uint32Array(2))).toThrow('out must be a Uint32Array of count entries');
  expect(() => addon.crc32c('text' as unknown as Uint8Array)).toThrow('data must be a Uint8Array');
});

it('gives identical answers from the addon and the twin on random keys (time-boxed fuzz)', () => {
  if (implementations.native === null) return;
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const end = Date.now() + 300;
  let rounds = 0;
  while (Date.now() < end) {
    const keys = Array.from({ length: 64 }, () => String.fromCharCode(...Array.from({ length: 1 + Math.floor(rand() * 300) }, () => 32 + Math.floor(rand() * 2000))));
    const { bytes, offsets } = pack(keys);
    const a = new Uint8Array(keys.length * 16);
    const b = new Uint8Array(keys.length * 16);
    implementations.native.md5Batch(bytes, offsets, a);
    implementations.typescript.md5Batch(bytes, offsets, b);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a.subarray(0, 16)).toString('hex')).toBe(createHash('md5').update(keys[0] as string, 'utf8').digest('hex'));
    const data = Uint8Array.from({ length: Math.floor(rand() * 5000) }, () => Math.floor(rand() * 256));
    expect(implementations.native.crc32c(data)).toBe(implementations.typescript.crc32c(data));
    rounds++;
  }
  expect(rounds).toBeGreaterThan(10);
});
