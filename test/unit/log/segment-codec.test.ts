import { describe, expect, it } from 'vitest';
import { frameBytes, scanSegment, segmentHeader, SEGMENT_HEADER_BYTES, type ScannedRecord } from '../../../src/log/segment-codec.js';
import { referenceFrame } from './frame.js';

function segment(records: Array<{ seq: number; arrival: number; key: string; data: Buffer }>): Buffer {
  const parts = [segmentHeader()];
  for (const r of records) {
    const frame = referenceFrame(r.seq, r.arrival, Buffer.from(r.key), r.data);
    expect(frame.length).toBe(frameBytes(Buffer.byteLength(r.key), r.data.length));
    parts.push(frame);
  }
  return Buffer.concat(parts);
}

const sample = Array.from({ length: 50 }, (_, i) => ({ seq: i * 3, arrival: 1000 + i, key: `key-${i}`, data: Buffer.alloc(i * 7, i) }));

function scanAll(buf: Buffer): { scan: ReturnType<typeof scanSegment>; got: Array<{ seq: number; key: string; data: Buffer }> } {
  const got: Array<{ seq: number; key: string; data: Buffer }> = [];
  const scan = scanSegment(buf, (r: ScannedRecord) => got.push({ seq: r.seq, key: buf.toString('utf8', r.keyOffset, r.keyOffset + r.keyLen), data: buf.subarray(r.keyOffset + r.keyLen, r.keyOffset + r.keyLen + r.dataLen) }));
  return { scan, got };
}

describe('segment framing', () => {
  it('reads back every record it wrote, in order', () => {
    const buf = segment(sample);
    const { scan, got } = scanAll(buf);
    expect(scan).toMatchObject({ goodBytes: buf.length, records: 50, firstSeq: 0, lastSeq: 147, lastArrivalMs: 1049, problem: null });
    got.forEach((r, i) => {
      expect(r.seq).toBe(sample[i]!.seq);
      expect(r.key).toBe(sample[i]!.key);
      expect(r.data.equals(sample[i]!.data)).toBe(true);
    });
  });

  it('stops at the last whole record wherever the file is cut (a torn tail)', () => {
    const buf = segment(sample.slice(0, 6));
    const ends = [SEGMENT_HEADER_BYTES];
    scanSegment(buf, () => undefined);
    for (let n = 0, at = SEGMENT_HEADER_BYTES; n < 6; n++) ends.push((at += frameBytes(sample[n]!.key.length, sample[n]!.data.length)));
    for (let cut = SEGMENT_HEADER_BYTES; cut <= buf.length; cut++) {
      const { scan, got } = scanAll(buf.subarray(0, cut));
      const whole = ends.filter((e) => e <= cut).length - 1;
      expect(scan.records).toBe(whole);
      expect(scan.goodBytes).toBe(ends[whole]);
      expect(got.map((r) => r.seq)).toEqual(sample.slice(0, whole).map((r) => r.seq));
      expect(scan.problem === null).toBe(cut === ends[whole]);
    }
  });

  it('stops at a flipped bit anywhere in a record, and at records out of order', () => {
    const buf = segment(sample.slice(0, 4));
    const second = SEGMENT_HEADER_BYTES + frameBytes(sample[0]!.key.length, sample[0]!.data.length);
    for (let at = second; at < second + frameBytes(sample[1]!.key.length, sample[1]!.data.length); at++) {
      const bad = Buffer.from(buf);
      bad[at] ^= 0x10;
      const { scan } = scanAll(bad);
      expect(scan.records).toBe(1);
      expect(scan.goodBytes).toBe(second);
      expect(scan.problem).toMatch(/record at byte \d+/);
    }
    const backwards = segment([sample[2]!, sample[1]!]);
    expect(scanAll(backwards).scan).toMatchObject({ records: 1, problem: expect.stringMatching(/out of order/) });
    expect(scanSegment(segment([sample[0]!]), () => undefined, 0).records).toBe(0); // must be above the previous segment's last
  });

  it('refuses a file that is not a segment', () => {
    expect(scanAll(Buffer.from('hello world, not a segment')).scan).toMatchObject({ goodBytes: 0, problem: expect.stringMatching(/bad magic/) });
    expect(scanAll(Buffer.from('RIFF')).scan).toMatchObject({ goodBytes: 0, problem: expect.stringMatching(/header cut short/) });
  });
});
