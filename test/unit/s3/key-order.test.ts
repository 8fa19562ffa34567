// compareUtf8 against the definition: Buffer.compare of the UTF-8 bytes, on seeded random strings
// drawn from the characters where UTF-16 and UTF-8 order disagree.
import { describe, expect, it } from 'vitest';
import { prng } from '../prng.js';
import { compareUtf8, isAfter, mayHaveAfter } from '../../../src/s3/key-order.js';

const ALPHABET = ['a', 'b', '-', '/', '0', '~', '\u007f', 'é', '\u0800', '\ud7ff', '\ue000', '\uffee', '😀', '𝄞', '\u{10ffff}'];


function randomString(rand: () => number): string {
  const n = Math.floor(rand() * 6);
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return out;
}

const sign = (n: number): number => Math.sign(n);

describe('compareUtf8', () => {
  it('orders as the UTF-8 bytes order, where UTF-16 code units disagree', () => {
    // '\uffee' is above a surrogate pair in UTF-16, below it in UTF-8 (and in code points).
    expect('\uffee' > '😀').toBe(true);
    expect(compareUtf8('\uffee', '😀')).toBeLessThan(0);
    expect(compareUtf8('a-b', 'a/b')).toBeLessThan(0);
    expect(compareUtf8('a/b', 'a0')).toBeLessThan(0);
    expect(compareUtf8('a', 'a/')).toBeLessThan(0);
    expect(compareUtf8('x', 'x')).toBe(0);
  });

  it('agrees with Buffer.compare on 20,000 seeded random pairs', () => {
    const rand = prng(0x5eed);
    for (let i = 0; i < 20_000; i++) {
      const a = randomString(rand);
      const b = randomString(rand);
      expect(sign(compareUtf8(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
  });
});

describe('bounds', () => {
  it('a key bound excludes the key and what sorts before it', () => {
    expect(isAfter('b', { key: 'a', prefix: false })).toBe(true);
    expect(isAfter('a', { key: 'a', prefix: false })).toBe(false);
    expect(isAfter('a/x', { key: 'a/', prefix: false })).toBe(true);
  });

  it('a prefix bound also excludes every key under the prefix', () => {
    expect(isAfter('a/x', { key: 'a/', prefix: true })).toBe(false);
    expect(isAfter('a0', { key: 'a/', prefix: true })).toBe(true);
  });

  it('mayHaveAfter is true exactly when some key under the prefix can follow the bound', () => {
    expect(mayHaveAfter('a/', { key: 'a/b', prefix: false })).toBe(true); // a/c
    expect(mayHaveAfter('a/', { key: 'b', prefix: false })).toBe(false);
    expect(mayHaveAfter('b/', { key: 'a/zzz', prefix: false })).toBe(true);
    expect(mayHaveAfter('a/b/', { key: 'a/', prefix: true })).toBe(false);
    expect(mayHaveAfter('a/', { key: 'a/b/', prefix: true })).toBe(true);
  });
});
