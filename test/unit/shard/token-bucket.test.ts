import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/shard/token-bucket.js';

describe('TokenBucket', () => {
  it('holds one second of tokens and refills at the rate', () => {
    const b = new TokenBucket(1000, 0);
    expect(b.take(1000, 0)).toBe(true);
    expect(b.take(1, 0)).toBe(false);
    expect(b.take(100, 100)).toBe(true); // 100 ms → 100 tokens
    expect(b.take(1, 100)).toBe(false);
    expect(b.peek(10_000)).toBe(1000); // never more than one second's worth
  });

  it('lets a charge go negative and blocks until repaid', () => {
    const b = new TokenBucket(2 * 1024 * 1024, 0);
    b.charge(10 * 1024 * 1024, 0);
    expect(b.available(3900)).toBe(false);
    expect(b.available(4000)).toBe(true);
  });
});
