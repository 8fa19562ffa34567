/** 2^128: Kinesis hash keys are unsigned 128-bit integers (AWS: "HashKeyRange"). */
export const HASH_KEY_SPACE = 1n << 128n;
export const MAX_HASH_KEY = HASH_KEY_SPACE - 1n;

export interface HashRange {
  start: bigint;
  end: bigint;
}

/**
 * Splits the hash key space into `count` ranges as CreateStream does: each shard gets
 * floor(2^128 / count) keys and the last one takes the remainder
 * (e.g. 3 shards start at 0, 113427455640312821154458202477256070485, ...9970).
 */
export function splitHashKeySpace(count: number): HashRange[] {
  const step = HASH_KEY_SPACE / BigInt(count);
  const ranges: HashRange[] = [];
  for (let i = 0; i < count; i++) {
    const start = step * BigInt(i);
    const end = i === count - 1 ? MAX_HASH_KEY : step * BigInt(i + 1) - 1n;
    ranges.push({ start, end });
  }
  return ranges;
}

/** 32 lower-case hex digits: fixed width, so string order equals numeric order. */
export function hashKeyHex(value: bigint): string {
  return value.toString(16).padStart(32, '0');
}

/** The 16 bytes of a hash key, big-endian: the form native routing compares. */
export function hashKeyBytes(value: bigint): Buffer {
  return Buffer.from(hashKeyHex(value), 'hex');
}
