import { describe, expect, it } from 'vitest';
import { formatSequenceNumber, parseSequenceNumber, sequencePrefix } from '../../../src/engine/sequence-number.js';

describe('sequence numbers', () => {
  it('round-trips and keeps a fixed width so string order is numeric order', () => {
    const a = formatSequenceNumber(sequencePrefix(1_700_000_000_123, 7), 41);
    const b = formatSequenceNumber(sequencePrefix(1_700_000_000_123, 7), 42);
    expect(a).toBe('41700000000123000000000700000000000000000041');
    expect(a).toHaveLength(44);
    expect(BigInt(b) > BigInt(a)).toBe(true);
    expect(parseSequenceNumber(b)).toEqual({ streamCreatedMs: 1_700_000_000_123, shardIndex: 7, counter: 42 });
  });

  it('rejects numbers it could not have issued', () => {
    expect(parseSequenceNumber('0')).toBeNull();
    expect(parseSequenceNumber('49590338271490256608559692538361571095921575989136588898')).toBeNull();
    expect(parseSequenceNumber('4' + '9'.repeat(43))).toBeNull(); // counter beyond 2^53
  });
});
