import { describe, expect, it } from 'vitest';
import { IteratorCodec } from '../../../src/engine/iterator-token.js';

describe('shard iterators', () => {
  const codec = new IteratorCodec('test-key');
  const state = { streamName: 'my.stream-1', streamCreatedMs: 1_700_000_000_000, shardIndex: 3, position: 12345, createdMs: 1_700_000_100_000 };

  it('round-trips and stays under AWS 512-character limit for the longest stream name', () => {
    expect(codec.decode(codec.encode(state))).toEqual(state);
    expect(codec.encode({ ...state, streamName: 'x'.repeat(128) }).length).toBeLessThanOrEqual(512);
  });

  it('rejects tampered, truncated, foreign and garbage iterators', () => {
    const token = codec.encode(state);
    const raw = Buffer.from(token, 'base64');
    raw[20] = (raw[20] as number) ^ 1;
    expect(codec.decode(raw.toString('base64'))).toBeNull();
    expect(codec.decode(token.slice(0, 40))).toBeNull();
    expect(codec.decode(new IteratorCodec('other-key').encode(state))).toBeNull();
    expect(codec.decode('not an iterator!')).toBeNull();
    expect(codec.decode('')).toBeNull();
  });
});
