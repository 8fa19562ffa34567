import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { implementations, type NativeApi } from '../../../src/native/index.js';
import { INGEST_RECORD_FIXED_BYTES, SCAN, SPAN_WORDS } from '../../../src/native/ingest.js';
import { hashKeyHex, splitHashKeySpace } from '../../../src/engine/hash-key.js';
import { referenceFrame } from '../log/frame.js';

// The binary ingest hot path: scanIngest / routeSpans / packIngest, addon and twin, checked
// against references built here independently (TextDecoder for UTF-8, the golden MD5 routes,
// BigInt comparison for explicit hash keys, Buffer.concat for the packed layout).

interface KeyVector {
  key: string;
  shards: Record<string, number>;
}
const golden = JSON.parse(readFileSync(new URL('../../golden/partition-keys.json', import.meta.url), 'utf8')) as { shardCounts: number[]; vectors: KeyVector[] };

interface Rec {
  key: Buffer;
  data: Buffer;
  hashKey?: bigint;
}

/** Records section of a PUT frame, after `prefix` filler bytes; also the spans a correct scan gives. */
function records(recs: Rec[], prefix = 11): { frame: Buffer; spans: number[] } {
  const parts: Buffer[] = [Buffer.alloc(prefix, 0xee)];
  const spans: number[] = [];
  let at = prefix;
  for (const r of recs) {
    const h = Buffer.alloc(3);
    h.writeUInt8(r.hashKey === undefined ? 0 : 1, 0);
    h.writeUInt16LE(r.key.length, 1);
    parts.push(h);
    at += 3;
    let hashOff = 0;
    if (r.hashKey !== undefined) {
      parts.push(Buffer.from(r.hashKey.toString(16).padStart(32, '0'), 'hex'));
      hashOff = at;
      at += 16;
    }
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.data.length);
    parts.push(r.key, len, r.data);
    spans.push(at, r.key.length, at + r.key.length + 4, r.data.length, hashOff);
    at += r.key.length + 4 + r.data.length;
  }
  return { frame: Buffer.concat(parts), spans };
}

function startsFor(n: number): Uint8Array {
  return Buffer.from(splitHashKeySpace(n).map((r) => hashKeyHex(r.start)).join(''), 'hex');
}

function scan(api: NativeApi, frame: Uint8Array, count: number, prefix = 11): { status: number; err: number[]; spans: Uint32Array } {
  const spans = new Uint32Array(Math.max(1, count) * SPAN_WORDS);
  const err = new Int32Array(4);
  const status = api.scanIngest(frame, prefix, count, spans, err);
  return { status, err: [...err], spans };
}

const impls: Array<[string, NativeApi]> = [['typescript twin', implementations.typescript]];
if (implementations.native !== null) impls.push(['native addon', implementations.native]);

describe.each(impls)('%s', (_name, api) => {
  it('scans records in place and routes every golden key to the shard AWS would pick', () => {
    // PutRecords takes keys of up to 256 UTF-16 units (some golden keys are 256 code points).
    const vectors = golden.vectors.filter((v) => v.key.length <= 256);
    expect(vectors.length).toBeGreaterThan(300);
    const recs = vectors.map((v, i) => ({ key: Buffer.from(v.key, 'utf8'), data: Buffer.alloc(i % 7, i) }));
    const { frame, spans } = records(recs);
    const got = scan(api, frame, recs.length);
    expect(got.status).toBe(SCAN.OK);
    expect([...got.spans]).toEqual(spans);
    for (const n of golden.shardCounts) {
      const out = new Uint32Array(recs.length);
      api.routeSpans(frame, got.spans, recs.length, startsFor(n), out);
      expect([...out]).toEqual(vectors.map((v) => v.shards[n]));
    }
  });

  it('routes explicit hash keys by the 128-bit value, at the range edges too', () => {
    const n = 7;
    const ranges = splitHashKeySpace(n);
    const hashKeys = ranges.flatMap((r) => [r.start, r.end, (r.start + r.end) / 2n]);
    const { frame } = records(hashKeys.map((h) => ({ key: Buffer.from('ignored'), data: Buffer.from('x'), hashKey: h })));
    const got = scan(api, frame, hashKeys.length);
    expect(got.status).toBe(SCAN.OK);
    const out = new Uint32Array(hashKeys.length);
    api.routeSpans(frame, got.spans, hashKeys.length, startsFor(n), out);
    expect([...out]).toEqual(hashKeys.map((h) => ranges.findIndex((r) => r.start <= h && h <= r.end)));
  });

  it('packs each owner its own records in frame order, in the INGEST layout', () => {
    const recs = Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from(`key-${i}`), data: Buffer.alloc(i * 3, i) }));
    const { frame } = records(recs);
    const got = scan(api, frame, recs.length);
    const routes = Uint32Array.from(recs, (_, i) => (i * 7) % 5);
    const gids = Uint32Array.from([40, 41, 42, 43, 44]);
    const owners = Uint32Array.from([0, 1, 0, 1, 1]);
    const expected = (owner: number): Buffer =>
      Buffer.concat(
        recs.flatMap((r, i) => {
          const shard = routes[i] as number;
          if (owner >= 0 && owners[shard] !== owner) return [];
          const head = Buffer.alloc(INGEST_RECORD_FIXED_BYTES);
          head.writeUInt32LE(gids[shard] as number, 0);
          head.writeUInt16LE(r.key.length, 4);
          head.writeUInt32LE(r.data.length, 6);
          return [head, r.key, r.data];
        }),
      );
    for (const owner of [-1, 0, 1]) {
      const want = expected(owner);
      const dst = new Uint8Array(want.length + 9);
      expect(api.packIngest(frame, got.spans, recs.length, routes, gids, owners, owner, dst, 5)).toBe(want.length);
      expect(Buffer.from(dst.subarray(5, 5 + want.length)).equals(want)).toBe(true);
      expect(api.packIngest(frame, got.spans, recs.length, routes, gids, owners, owner, new Uint8Array(want.length - 1), 0)).toBe(want.length === 0 ? 0 : -1);
    }
    // A route naming a shard the stream does not have is refused, not read past the tables.
    expect(api.packIngest(frame, got.spans, recs.length, new Uint32Array(recs.length).fill(5), gids, owners, -1, new Uint8Array(1 << 16), 0)).toBe(-1);
  });

  it('accepts exactly the UTF-8 that TextDecoder (fatal) accepts, counting UTF-16 units as JavaScript does', () => {
    // ignoreBOM: a leading EF BB BF is a character of the key (as U+FEFF is in a PutRecords JSON key).
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const cases = [
      [0x61],
      [0xc3, 0xa9],
      [0xe6, 0xbc, 0xa2],
      [0xf0, 0x9f, 0x99, 0x82],
      [0xc0, 0x80],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0x80],
      [0xe0, 0x9f, 0xbf],
      [0xed, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0x80],
      [0xe2, 0x82],
      [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xe2, 0x82],
      [0xff],
      [0xef, 0xbb, 0xbf],
      [0xef, 0xbb, 0xbf, 0x61],
    ];
    let seed = 99;
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 3000; i++) {
      const len = 1 + Math.floor(rand() * 12);
      // Mostly bytes near the interesting lead and continuation ranges.
      cases.push(Array.from({ length: len }, () => (rand() < 0.3 ? 0x20 + Math.floor(rand() * 0x5f) : 0x80 + Math.floor(rand() * 0x80))));
    }
    for (const bytes of cases) {
      const key = Buffer.from(bytes);
      let units: number | null;
      try {
        units = fatal.decode(key).length;
      } catch {
        units = null;
      }
      const got = scan(api, records([{ key, data: Buffer.from('d') }]).frame, 1);
      if (units === null) expect({ bytes, status: got.status }).toEqual({ bytes, status: SCAN.KEY_UTF8 });
      else if (units > 256) expect(got.status).toBe(SCAN.KEY_LENGTH);
      else expect({ bytes, status: got.status }).toEqual({ bytes, status: SCAN.OK });
    }
    // A key that is only a byte order mark is one character, not an empty key.
    expect(scan(api, records([{ key: Buffer.from([0xef, 0xbb, 0xbf]), data: Buffer.from('d') }]).frame, 1).status).toBe(SCAN.OK);
    // 256 four-byte characters are 512 UTF-16 units: over the 256 limit, as PutRecords counts them.
    const emoji = scan(api, records([{ key: Buffer.from('🙂'.repeat(128)), data: Buffer.alloc(0) }]).frame, 1);
    expect(emoji.status).toBe(SCAN.OK);
    const tooMany = scan(api, records([{ key: Buffer.from('🙂'.repeat(129)), data: Buffer.alloc(0) }]).frame, 1);
    expect({ status: tooMany.status, units: tooMany.err[3] }).toEqual({ status: SCAN.KEY_LENGTH, units: 258 });
  });

  it('reports where a frame is cut, bad, or breaks a PutRecords rule (structure first)', () => {
    const ok = records([{ key: Buffer.from('a'), data: Buffer.from('xyz') }, { key: Buffer.from('b'), data: Buffer.from('q') }]);
    const len = ok.frame.length;
    // Cut inside each field of the second record: header, key, data length, data.
    const second = 11 + 3 + 1 + 4 + 3;
    expect(scan(api, ok.frame.subarray(0, second + 2), 2)).toMatchObject({ status: SCAN.TRUNCATED, err: [1, second, 3, 0] });
    expect(scan(api, ok.frame.subarray(0, second + 3), 2)).toMatchObject({ status: SCAN.TRUNCATED, err: [1, second + 3, 1, 2] });
    expect(scan(api, ok.frame.subarray(0, second + 6), 2)).toMatchObject({ status: SCAN.TRUNCATED, err: [1, second + 4, 4, 3] });
    expect(scan(api, ok.frame.subarray(0, len - 1), 2)).toMatchObject({ status: SCAN.TRUNCATED, err: [1, second + 8, 1, 4] });
    const hashed = records([{ key: Buffer.from('a'), data: Buffer.from('x'), hashKey: 5n }]).frame;
    expect(scan(api, hashed.subarray(0, 11 + 3 + 15), 1)).toMatchObject({ status: SCAN.TRUNCATED, err: [0, 14, 16, 1] });
    expect(scan(api, Buffer.concat([ok.frame, Buffer.from([0, 0])]), 2)).toMatchObject({ status: SCAN.TRAILING, err: [2, len, 0, 0] });
    expect(scan(api, ok.frame, 3)).toMatchObject({ status: SCAN.TRUNCATED, err: [2, len, 3, 0] });
    const flagged = Buffer.from(ok.frame);
    flagged[second] = 0x06;
    expect(scan(api, flagged, 2)).toMatchObject({ status: SCAN.RECORD_FLAGS, err: [1, second + 3, 0, 6] });
    // Rule errors: the first record that breaks one, and only if the frame is well formed.
    const rules = records([
      { key: Buffer.from('fine'), data: Buffer.alloc(10) },
      { key: Buffer.alloc(0), data: Buffer.alloc(1) },
      { key: Buffer.from('x'), data: Buffer.alloc(10 * 1024 * 1024 + 1) },
    ]);
    expect(scan(api, rules.frame, 3)).toMatchObject({ status: SCAN.KEY_LENGTH, err: [1, rules.spans[5], 0, 0] });
    expect(scan(api, Buffer.concat([rules.frame, Buffer.from([1])]), 3).status).toBe(SCAN.TRAILING);
    const big = records([{ key: Buffer.from('x'), data: Buffer.alloc(10 * 1024 * 1024 + 1) }]);
    expect(scan(api, big.frame, 1).status).toBe(SCAN.DATA_SIZE);
    const sum = records([{ key: Buffer.from('xy'), data: Buffer.alloc(10 * 1024 * 1024 - 1) }]);
    expect(scan(api, sum.frame, 1).status).toBe(SCAN.RECORD_SIZE);
    const exact = records([{ key: Buffer.from('x'), data: Buffer.alloc(10 * 1024 * 1024 - 1) }]);
    expect(scan(api, exact.frame, 1).status).toBe(SCAN.OK);
  });
});

it('the twin refuses the same out-of-frame spans the addon refuses', () => {
  const ts = implementations.typescript;
  const frame = new Uint8Array(32);
  expect(() => ts.routeSpans(frame, Uint32Array.from([30, 3, 0, 0, 0]), 1, startsFor(2), new Uint32Array(1))).toThrow('a span runs past the frame');
  expect(() => ts.packIngest(frame, Uint32Array.from([0, 1, 31, 2, 0]), 1, new Uint32Array(1), Uint32Array.of(1), Uint32Array.of(0), -1, new Uint8Array(64), 0)).toThrow('a span runs past the frame');
  expect(() => ts.packIngest(frame, Uint32Array.from([0, 1, 0, 2, 0]), 1, new Uint32Array(1), Uint32Array.of(1), Uint32Array.of(0), -1, new Uint8Array(64), 65)).toThrow('dstOffset is past dst');
});

it('the addon refuses spans that point outside the frame (not only the TypeScript wrapper)', () => {
  if (implementations.native === null) return;
  const addon = createRequire(import.meta.url)('../../../native-bindings/build/Release/riffle_native.node') as NativeApi;
  const frame = new Uint8Array(32);
  const out = new Uint32Array(1);
  expect(() => addon.routeSpans(frame, Uint32Array.from([30, 3, 0, 0, 0]), 1, startsFor(2), out)).toThrow('a span runs past the frame');
  expect(() => addon.routeSpans(frame, Uint32Array.from([0, 1, 0, 0, 20]), 1, startsFor(2), out)).toThrow('a span runs past the frame');
  expect(() => addon.routeSpans(frame, Uint32Array.from([0, 1, 0, 0]), 1, startsFor(2), out)).toThrow('spans must hold 5 entries per record');
  expect(() => addon.packIngest(frame, Uint32Array.from([0, 1, 31, 2, 0]), 1, out, Uint32Array.of(1), Uint32Array.of(0), -1, new Uint8Array(64), 0)).toThrow('a span runs past the frame');
  expect(() => addon.packIngest(frame, Uint32Array.from([0, 1, 0, 2, 0]), 1, out, Uint32Array.of(1), Uint32Array.of(0), -1, new Uint8Array(64), 65)).toThrow('dstOffset is past dst');
  expect(() => addon.scanIngest(frame, 33, 1, new Uint32Array(5), new Int32Array(4))).toThrow('pos is past the frame');
  expect(() => addon.scanIngest(frame, 0, 2, new Uint32Array(5), new Int32Array(4))).toThrow('spans must hold 5 entries per record');
  expect(() => addon.packIngest(frame, Uint32Array.from([0, 1, 0, 2, 0]), 1, out, Uint32Array.of(1), Uint32Array.of(0), 'x' as unknown as number, new Uint8Array(64), 0)).toThrow('owner must be a number');
});

it('gives identical answers from the addon and the twin on random, mutated and cut frames (time-boxed fuzz)', () => {
  if (implementations.native === null) return;
  const nat = implementations.native;
  const ts = implementations.typescript;
  let seed = 2026;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const starts = startsFor(5);
  const gids = Uint32Array.from([9, 8, 7, 6, 5]);
  const owners = Uint32Array.from([0, 1, 2, 0, 1]);
  const end = Date.now() + 400;
  let rounds = 0;
  let ok = 0;
  while (Date.now() < end) {
    const count = 1 + Math.floor(rand() * 40);
    const recs = Array.from({ length: count }, () => ({
      key: Buffer.from(String.fromCharCode(...Array.from({ length: Math.floor(rand() * 70) }, () => 32 + Math.floor(rand() * (rand() < 0.8 ? 90 : 70000))))),
      data: Buffer.alloc(Math.floor(rand() * 200), Math.floor(rand() * 256)),
      ...(rand() < 0.2 ? { hashKey: BigInt(Math.floor(rand() * 2 ** 52)) * 2n ** 76n } : {}),
    }));
    let frame = records(recs).frame;
    const mutation = rand();
    if (mutation < 0.3) frame = frame.subarray(0, 11 + Math.floor(rand() * (frame.length - 11)));
    else if (mutation < 0.6) for (let k = 0; k < 3; k++) frame[Math.floor(rand() * frame.length)] = Math.floor(rand() * 256);
    const a = scan(nat, frame, count);
    const b = scan(ts, frame, count);
    expect(a.status).toBe(b.status);
    expect(a.err).toEqual(b.err);
    if (a.status === SCAN.OK || a.status >= SCAN.KEY_LENGTH) {
      ok++;
      expect([...a.spans]).toEqual([...b.spans]);
      const ra = new Uint32Array(count);
      const rb = new Uint32Array(count);
      nat.routeSpans(frame, a.spans, count, starts, ra);
      ts.routeSpans(frame, b.spans, count, starts, rb);
      expect([...ra]).toEqual([...rb]);
      for (const owner of [-1, 0, 1, 2]) {
        const da = new Uint8Array(frame.length + count * INGEST_RECORD_FIXED_BYTES);
        const db = new Uint8Array(da.length);
        expect(nat.packIngest(frame, a.spans, count, ra, gids, owners, owner, da, 0)).toBe(ts.packIngest(frame, b.spans, count, rb, gids, owners, owner, db, 0));
        expect(Buffer.from(da).equals(Buffer.from(db))).toBe(true);
      }
    }
    rounds++;
  }
  expect(rounds).toBeGreaterThan(50);
  expect(ok).toBeGreaterThan(10);
});

describe.each(impls)('%s copyPlan', (_name, api) => {
  it('copies every planned span out of a SharedArrayBuffer into its arena, and refuses one out of bounds', () => {
    const src = new Uint8Array(new SharedArrayBuffer(4096));
    for (let i = 0; i < src.length; i++) src[i] = (i * 7) & 255;
    const arenas = [new Uint8Array(100), new Uint8Array(5000)];
    const plan = Uint32Array.from([0, 10, 0, 50, 1, 0, 90, 4000, 0, 60, 4090, 6, 1, 4000, 7, 0]);
    api.copyPlan(src, plan, 4, arenas);
    expect(Buffer.from(arenas[0]!.subarray(10, 60)).equals(Buffer.from(src.subarray(0, 50)))).toBe(true);
    expect(Buffer.from(arenas[1]!.subarray(0, 4000)).equals(Buffer.from(src.subarray(90, 4090)))).toBe(true);
    expect(Buffer.from(arenas[0]!.subarray(60, 66)).equals(Buffer.from(src.subarray(4090, 4096)))).toBe(true);
    const before = Buffer.from(arenas[0]!);
    // Nothing is copied from a plan with any bad entry: a too-long span, a missing arena.
    expect(() => api.copyPlan(src, Uint32Array.from([0, 0, 0, 1, 0, 95, 0, 6]), 2, arenas)).toThrow(/runs past/);
    expect(() => api.copyPlan(src, Uint32Array.from([2, 0, 0, 1]), 1, arenas)).toThrow(/runs past/);
    expect(() => api.copyPlan(src, Uint32Array.from([0, 0, 4095, 2]), 1, arenas)).toThrow(/runs past/);
    expect(Buffer.from(arenas[0]!).equals(before)).toBe(true);
  });
});

describe.each(impls)('%s frameRecords', (_name, api) => {
  it('writes the segment-file frames of the format, reading keys and data from the arenas, and refuses entries out of bounds', () => {
    const arenas = [Buffer.from('aaKEYdata-one'), Buffer.from('zzk2second-record-data')];
    const meta = Float64Array.from([0, 2, 3, 8, 7, 1000.5, 1, 2, 2, 18, 9, 1001, 0, 0, 1, 0, 12, 1002]);
    const expected = Buffer.concat([
      referenceFrame(7, 1000.5, Buffer.from('KEY'), Buffer.from('data-one')),
      referenceFrame(9, 1001, Buffer.from('k2'), Buffer.from('second-record-data')),
      referenceFrame(12, 1002, Buffer.from('a'), Buffer.alloc(0)),
    ]);
    const out = Buffer.alloc(expected.length + 10);
    expect(api.frameRecords(out, meta, 3, arenas)).toBe(expected.length);
    expect(out.subarray(0, expected.length).equals(expected)).toBe(true);
    expect(() => api.frameRecords(out, Float64Array.from([0, 10, 3, 8, 1, 1]), 1, arenas)).toThrow(/runs past its arena/);
    expect(() => api.frameRecords(out, Float64Array.from([2, 0, 1, 1, 1, 1]), 1, arenas)).toThrow(/runs past its arena/);
    expect(() => api.frameRecords(Buffer.alloc(20), meta, 1, arenas)).toThrow(/dst is too small/);
  });
});

describe.each(impls)('%s fdatasyncAll', (_name, api) => {
  it('syncs every descriptor and reports each failure by its errno, without stopping at it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-sync-'));
    try {
      const fds = [0, 1, 2].map((i) => openSync(join(dir, `f${i}`), 'w'));
      for (const fd of fds) writeSync(fd, Buffer.alloc(4096, 1));
      const closed = openSync(join(dir, 'closed'), 'w');
      closeSync(closed); // a descriptor number that is no longer open: EBADF
      const errs = new Int32Array(4).fill(-1);
      api.fdatasyncAll(Int32Array.from([fds[0] as number, closed, fds[1] as number, fds[2] as number]), 4, errs);
      expect([...errs]).toEqual([0, osConstants.errno.EBADF, 0, 0]);
      expect(() => api.fdatasyncAll(new Int32Array(1), 2, new Int32Array(2))).toThrow(RangeError);
      for (const fd of fds) closeSync(fd);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
