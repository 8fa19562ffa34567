import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashKeyBytes, hashKeyHex, MAX_HASH_KEY, splitHashKeySpace } from '../../../src/engine/hash-key.js';
import { findRangeBytes, native } from '../../../src/native/index.js';

const partitionKeyHashHex = (key: string): string => {
  const bytes = Buffer.from(key, 'utf8');
  const out = new Uint8Array(16);
  native.md5Batch(bytes, new Uint32Array([0, bytes.length]), out);
  return Buffer.from(out).toString('hex');
};
const startsOf = (n: number): Uint8Array => Buffer.concat(splitHashKeySpace(n).map((r) => hashKeyBytes(r.start)));
const findRangeIndex = (starts: Uint8Array, hex: string): number => findRangeBytes(starts, Buffer.from(hex, 'hex'), 0);

describe('hash key space', () => {
  it('splits 2 and 3 shards exactly as AWS CreateStream does', () => {
    // Ranges as AWS DescribeStream reports them for new 2- and 3-shard streams.
    expect(splitHashKeySpace(2).map((r) => [r.start.toString(), r.end.toString()])).toEqual([
      ['0', '170141183460469231731687303715884105727'],
      ['170141183460469231731687303715884105728', '340282366920938463463374607431768211455'],
    ]);
    expect(splitHashKeySpace(3).map((r) => [r.start.toString(), r.end.toString()])).toEqual([
      ['0', '113427455640312821154458202477256070484'],
      ['113427455640312821154458202477256070485', '226854911280625642308916404954512140969'],
      ['226854911280625642308916404954512140970', '340282366920938463463374607431768211455'],
    ]);
  });

  it('covers the whole space without gaps for any shard count', () => {
    for (const n of [1, 4, 7, 100, 1000]) {
      const ranges = splitHashKeySpace(n);
      expect(ranges[0]?.start).toBe(0n);
      expect(ranges[n - 1]?.end).toBe(MAX_HASH_KEY);
      for (let i = 1; i < n; i++) expect(ranges[i]?.start).toBe((ranges[i - 1]?.end ?? -1n) + 1n);
    }
  });

  it('hashes partition keys with MD5 read big-endian (RFC 1321 vectors)', () => {
    expect(partitionKeyHashHex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(partitionKeyHashHex('a')).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(partitionKeyHashHex('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    // UTF-8, not UTF-16: the key's bytes are what AWS hashes.
    expect(partitionKeyHashHex('é')).toBe(createHash('md5').update(Buffer.from([0xc3, 0xa9])).digest('hex'));
  });

  it('routes a hash key to the range that holds it, including both edges', () => {
    const ranges = splitHashKeySpace(3);
    const starts = startsOf(3);
    ranges.forEach((r, i) => {
      expect(findRangeIndex(starts, hashKeyHex(r.start))).toBe(i);
      expect(findRangeIndex(starts, hashKeyHex(r.end))).toBe(i);
    });
    // md5('abc') = 0x9001... lies in the second third (0x5555... to 0xaaaa...).
    expect(findRangeIndex(starts, partitionKeyHashHex('abc'))).toBe(1);
    expect(findRangeIndex(startsOf(2), partitionKeyHashHex('abc'))).toBe(1);
    expect(findRangeIndex(startsOf(2), partitionKeyHashHex('a'))).toBe(0);
  });
});
