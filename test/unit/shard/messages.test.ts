import { describe, expect, it } from 'vitest';
import { decodeShardControl, encodeShardControl, MSG, readHeader, SHARD_FLAG_UNMETERED } from '../../../src/shard/messages.js';
import { WireReader } from '../../../src/shard/wire.js';

describe('shard control messages', () => {
  it('carry their flags in the header flags, with status 0, and the control fields after it', () => {
    const bytes = encodeShardControl(MSG.CREATE_SHARD, 7, 42, 86_400_000, 3, '/data/firehose/x.1/log', SHARD_FLAG_UNMETERED);
    const r = new WireReader(bytes);
    expect(readHeader(r)).toEqual({ type: MSG.CREATE_SHARD, status: 0, flags: SHARD_FLAG_UNMETERED, requestId: 7 });
    expect(decodeShardControl(r)).toEqual({ gid: 42, retentionMs: 86_400_000, index: 3, dir: '/data/firehose/x.1/log' });
    const plain = new WireReader(encodeShardControl(MSG.TRIM, 8, 42, 1234));
    expect(readHeader(plain)).toEqual({ type: MSG.TRIM, status: 0, flags: 0, requestId: 8 });
    expect(decodeShardControl(plain).retentionMs).toBe(1234);
  });
});
