import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanSegment, segmentHeader, SEGMENT_HEADER_BYTES, type ScannedRecord } from '../../../src/log/segment-codec.js';
import { rebuildIndex, scanSegmentFile } from '../../../src/log/segment-file.js';
import { referenceFrame } from './frame.js';

// Recovery scans a segment file a 1 MiB chunk at a time through one reused buffer; scanSegment
// over the whole file's bytes is the reference it must agree with, wherever a chunk ends: in a
// frame's header, in its payload, exactly at a frame's end, inside a record larger than a chunk.
const root = mkdtempSync(join(tmpdir(), 'riffle-segfile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CHUNK = 1 << 20;

interface Got {
  seq: number;
  arrivalMs: number;
  key: string;
  data: Buffer;
  offset: number;
}

/** Records of 0 to ~40 KiB, one of 1.5 MiB (larger than a chunk), over about 3.5 MiB. */
function fileBytes(): { bytes: Buffer; ends: number[] } {
  const parts = [segmentHeader()];
  const ends: number[] = [];
  let at = SEGMENT_HEADER_BYTES;
  for (let i = 0; at < 3.5 * CHUNK; i++) {
    const size = i === 40 ? 1.5 * CHUNK : (i * 7919) % 40_000;
    const frame = referenceFrame(10 + i, 5_000 + Math.floor(i / 3), Buffer.from(`key-${i}`), Buffer.alloc(size, i % 251));
    parts.push(frame);
    ends.push((at += frame.length));
  }
  return { bytes: Buffer.concat(parts), ends };
}

function viaFile(bytes: Buffer, afterSeq = -1): { scan: ReturnType<typeof scanSegment>; got: Got[]; fileBytes: number } {
  const path = join(root, 'seg');
  writeFileSync(path, bytes);
  const got: Got[] = [];
  const { scan, fileBytes } = scanSegmentFile(path, afterSeq, (r, buf, base) => {
    const key = Buffer.from(buf.subarray(r.keyOffset, r.keyOffset + r.keyLen)).toString();
    got.push({ seq: r.seq, arrivalMs: r.arrivalMs, key, data: Buffer.from(buf.subarray(r.keyOffset + r.keyLen, r.keyOffset + r.keyLen + r.dataLen)), offset: base + r.keyOffset });
  });
  return { scan, got, fileBytes };
}

function reference(bytes: Buffer, afterSeq = -1): { scan: ReturnType<typeof scanSegment>; got: Got[] } {
  const got: Got[] = [];
  const scan = scanSegment(
    bytes,
    (r: ScannedRecord) => got.push({ seq: r.seq, arrivalMs: r.arrivalMs, key: bytes.toString('utf8', r.keyOffset, r.keyOffset + r.keyLen), data: Buffer.from(bytes.subarray(r.keyOffset + r.keyLen, r.keyOffset + r.keyLen + r.dataLen)), offset: r.keyOffset }),
    afterSeq,
  );
  return { scan, got };
}

function expectSame(bytes: Buffer, afterSeq = -1): ReturnType<typeof scanSegment> {
  const a = viaFile(bytes, afterSeq);
  const b = reference(bytes, afterSeq);
  expect(a.scan).toEqual(b.scan);
  expect(a.fileBytes).toBe(bytes.length);
  expect(a.got.length).toBe(b.got.length);
  a.got.forEach((g, i) => {
    const want = b.got[i] as Got;
    expect([g.seq, g.arrivalMs, g.key, g.offset]).toEqual([want.seq, want.arrivalMs, want.key, want.offset]);
    expect(g.data.equals(want.data)).toBe(true);
  });
  return a.scan;
}

describe('scanSegmentFile (a chunk at a time)', () => {
  const { bytes, ends } = fileBytes();

  it('finds what a scan of the whole file finds, a record larger than a chunk included', () => {
    const scan = expectSame(bytes);
    expect(scan).toMatchObject({ goodBytes: bytes.length, records: ends.length, problem: null });
    expect(expectSame(bytes, 10 + 3).records).toBe(0); // numbered at or below the previous segment's last
  });

  it('stops where a whole-file scan stops when the file is cut anywhere near a chunk boundary', () => {
    const cuts = new Set<number>([0, 5, SEGMENT_HEADER_BYTES, SEGMENT_HEADER_BYTES + 3]);
    for (const boundary of [CHUNK, 2 * CHUNK, 3 * CHUNK]) for (let d = -40; d <= 40; d++) cuts.add(SEGMENT_HEADER_BYTES + boundary + d);
    // Each frame end next to a boundary, and cuts just around it; inside the large record.
    for (const e of ends) if (ends.some((x) => Math.abs(x - e) < CHUNK) && e < bytes.length) for (const d of [-9, -8, -1, 0, 1, 7, 8, 9, 26]) cuts.add(e + d);
    cuts.add(ends[39]! + CHUNK + 100);
    for (const cut of cuts) {
      const scan = expectSame(bytes.subarray(0, Math.min(cut, bytes.length)));
      const whole = ends.filter((e) => e <= cut).length;
      expect(scan.records).toBe(cut >= SEGMENT_HEADER_BYTES ? whole : 0);
    }
  });

  it('stops at a flipped bit or a record out of order in any chunk', () => {
    for (const at of [ends[3]! + 9, CHUNK + 17, ends[39]! + 30, ends[39]! + CHUNK + 5, 3 * CHUNK + 1, bytes.length - 2]) {
      const bad = Buffer.from(bytes);
      bad[at] = (bad[at] as number) ^ 0x10;
      expect(expectSame(bad).problem).toMatch(/record at byte \d+/);
    }
    // A record out of order that starts the second chunk: the order checks carry across chunks.
    const frame = referenceFrame(1, 1, Buffer.from('k'), Buffer.alloc(10_000)).length;
    const first = Math.floor(CHUNK / frame); // the first record the second chunk reads whole
    for (const [seqOf, arrivalOf] of [
      [(i: number) => (i === first ? i : i + 1), (i: number) => 1_000 + i], // a counter repeated
      [(i: number) => i + 1, (i: number) => (i === first ? 1 : 1_000 + i)], // an arrival going back
    ] as const) {
      const parts = [segmentHeader()];
      for (let i = 0; i < 200; i++) parts.push(referenceFrame(seqOf(i), arrivalOf(i), Buffer.from('k'), Buffer.alloc(10_000, i)));
      expect(expectSame(Buffer.concat(parts))).toMatchObject({ records: first, problem: expect.stringMatching(/out of order/) });
    }
  });

  it('refuses a file that is not a segment, or an empty one', () => {
    expect(expectSame(Buffer.from('hello world, not a segment'))).toMatchObject({ goodBytes: 0, problem: expect.stringMatching(/bad magic/) });
    expect(expectSame(Buffer.alloc(0))).toMatchObject({ goodBytes: 0, problem: expect.stringMatching(/header cut short/) });
  });

  it('rebuildIndex indexes frame starts in the file, not in the chunk', () => {
    const path = join(root, 'indexed');
    writeFileSync(path, bytes);
    const { index, scan } = rebuildIndex(path, -1);
    expect(scan.records).toBe(ends.length);
    const starts = [SEGMENT_HEADER_BYTES, ...ends.slice(0, -1)];
    for (const [i, start] of starts.entries()) {
      const offset = index.offsetForSeq(10 + i, -1);
      // The entry at or before record i: a frame start, at most one 64 KiB interval (or the large record) back.
      expect(starts).toContain(offset);
      expect(offset).toBeLessThanOrEqual(start);
      expect(bytes.readDoubleLE(offset + 8)).toBeLessThanOrEqual(10 + i);
    }
  });
});
