import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shard iterators are opaque to clients. Ours carry the position and are authenticated with an
 * HMAC, so a forged or corrupted iterator is rejected ("Invalid ShardIterator.") rather than read:
 *
 *   u8 version | f64 stream created ms | f64 iterator created ms | f64 position counter |
 *   u32 shard index | stream name (utf8) | 16-byte HMAC-SHA256 prefix      → base64
 *
 * At most 1 + 24 + 4 + 128 + 16 = 173 bytes, 232 base64 characters (AWS allows 512).
 */
export interface IteratorState {
  streamName: string;
  streamCreatedMs: number;
  shardIndex: number;
  /** Read from the first record whose sequence counter is >= this. */
  position: number;
  createdMs: number;
}

const VERSION = 1;
const MAC_BYTES = 16;
const FIXED_BYTES = 1 + 8 + 8 + 8 + 4;

export class IteratorCodec {
  constructor(private readonly key: string) {}

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, MAC_BYTES);
  }

  encode(s: IteratorState): string {
    const name = Buffer.from(s.streamName, 'utf8');
    const body = Buffer.allocUnsafe(FIXED_BYTES + name.length);
    body.writeUInt8(VERSION, 0);
    body.writeDoubleLE(s.streamCreatedMs, 1);
    body.writeDoubleLE(s.createdMs, 9);
    body.writeDoubleLE(s.position, 17);
    body.writeUInt32LE(s.shardIndex, 25);
    name.copy(body, FIXED_BYTES);
    return Buffer.concat([body, this.mac(body)]).toString('base64');
  }

  /** null for anything this codec did not produce. */
  decode(token: string): IteratorState | null {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return null;
    const raw = Buffer.from(token, 'base64');
    if (raw.length < FIXED_BYTES + 1 + MAC_BYTES) return null;
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    if (!timingSafeEqual(this.mac(body), raw.subarray(raw.length - MAC_BYTES))) return null;
    if (body.readUInt8(0) !== VERSION) return null;
    return {
      streamCreatedMs: body.readDoubleLE(1),
      createdMs: body.readDoubleLE(9),
      position: body.readDoubleLE(17),
      shardIndex: body.readUInt32LE(25),
      streamName: body.subarray(FIXED_BYTES).toString('utf8'),
    };
  }
}
