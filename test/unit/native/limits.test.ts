import { describe, expect, it } from 'vitest';
import { PARTITION_KEY_CHARS_MAX, RECORD_BYTES_LIMIT as RECORD_BYTES_MAX } from '../../../src/limits.js';
import { implementations, type NativeApi } from '../../../src/native/index.js';
import { SCAN, SPAN_WORDS } from '../../../src/native/ingest.js';

// The addon (native-bindings/src/ingest.cc) has its own copies of the largest record limits as C++
// constants (RECORD_BYTES_LIMIT: a stream's own maximum is checked after the scan); src/limits.ts is
// their one definition. Both scanners must draw the line exactly there.

/** A PUT frame's records section holding one record (no hash key). */
function oneRecord(key: Buffer, dataLen: number): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16LE(key.length, 1);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(dataLen, 0);
  return Buffer.concat([head, key, len, Buffer.alloc(dataLen, 0x61)]);
}

function scan(api: NativeApi, frame: Buffer): number {
  return api.scanIngest(frame, 0, 1, new Uint32Array(SPAN_WORDS), new Int32Array(4));
}

const impls: Array<[string, NativeApi]> = [['typescript twin', implementations.typescript]];
if (implementations.native !== null) impls.push(['native addon', implementations.native]);

describe.each(impls)('%s', (_name, api) => {
  it(`takes keys of 1 to ${PARTITION_KEY_CHARS_MAX} UTF-16 units, data of up to ${RECORD_BYTES_MAX} bytes, and both together up to ${RECORD_BYTES_MAX}`, () => {
    const key = (units: number): Buffer => Buffer.from('k'.repeat(units), 'utf8');
    expect(scan(api, oneRecord(key(PARTITION_KEY_CHARS_MAX), 1))).toBe(SCAN.OK);
    expect(scan(api, oneRecord(key(PARTITION_KEY_CHARS_MAX + 1), 1))).toBe(SCAN.KEY_LENGTH);
    // A key of two-unit characters counts units, not bytes or code points.
    expect(scan(api, oneRecord(Buffer.from('😀'.repeat(PARTITION_KEY_CHARS_MAX / 2), 'utf8'), 1))).toBe(SCAN.OK);
    expect(scan(api, oneRecord(Buffer.from('😀'.repeat(PARTITION_KEY_CHARS_MAX / 2) + 'k', 'utf8'), 1))).toBe(SCAN.KEY_LENGTH);
    expect(scan(api, oneRecord(key(1), RECORD_BYTES_MAX - 1))).toBe(SCAN.OK);
    expect(scan(api, oneRecord(key(1), RECORD_BYTES_MAX))).toBe(SCAN.RECORD_SIZE);
    expect(scan(api, oneRecord(key(1), RECORD_BYTES_MAX + 1))).toBe(SCAN.DATA_SIZE);
  });
});

it('has the addon here (the comparison above ran against it)', () => {
  if (process.env.RIFFLE_NATIVE === '0') return;
  expect(implementations.native).not.toBeNull();
});
