import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../../src/log/memory-log.js';
import { ChunkPool, CHUNK_BYTES } from '../../../src/log/chunk-pool.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
/** Appends key and data the way owners hand them over: contiguous, at an offset inside a larger buffer. */
function append(log: MemoryLog, seq: number, arrivalMs: number, key: Uint8Array, data: Uint8Array): void {
  const src = Buffer.concat([Buffer.from('pre'), key, data, Buffer.from('post')]);
  log.append(seq, arrivalMs, src, 3, key.length, data.length);
}

describe('MemoryLog', () => {
  it('reads back what was appended, in order, across segment boundaries', () => {
    const log = new MemoryLog();
    for (let i = 0; i < 10_000; i++) append(log, i * 2, 1000 + i, bytes(`k${i}`), bytes(`data-${i}`));
    expect(log.recordCount).toBe(10_000);
    const all = log.read(0, 100_000, Number.MAX_SAFE_INTEGER);
    expect(all.records).toHaveLength(10_000);
    all.records.forEach((r, i) => {
      expect(r.seq).toBe(i * 2);
      expect(text(r.key)).toBe(`k${i}`);
      expect(text(r.data)).toBe(`data-${i}`);
    });
    // Counters may skip: reading from a missing counter starts at the next one present.
    const mid = log.read(4097, 3, Number.MAX_SAFE_INTEGER);
    expect(mid.records.map((r) => r.seq)).toEqual([4098, 4100, 4102]);
    expect(mid.nextSeq).toBe(4103);
  });

  it('honours limit and byte cap but always returns one record', () => {
    const log = new MemoryLog();
    append(log, 0, 1, bytes('k'), new Uint8Array(600));
    append(log, 1, 1, bytes('k'), new Uint8Array(600));
    expect(log.read(0, 10, 100).records).toHaveLength(1);
    expect(log.read(0, 10, 1202).records).toHaveLength(2);
    expect(log.read(0, 1, 1 << 20).records).toHaveLength(1);
    expect(log.read(2, 10, 1 << 20)).toEqual({ records: [], nextSeq: 2, bytes: 0 });
  });

  it('finds records by arrival time', () => {
    const log = new MemoryLog();
    for (let i = 0; i < 5000; i++) append(log, i, 1000 + Math.floor(i / 10), bytes('k'), bytes('v'));
    expect(log.seekTime(0)).toBe(0);
    expect(log.seekTime(1100)).toBe(1000);
    expect(log.seekTime(1499)).toBe(4990);
    expect(log.seekTime(1500)).toBeNull();
    expect(log.arrivalAt(4991)).toBe(1499);
  });

  it('trims records older than the cutoff and frees whole segments', () => {
    const log = new MemoryLog();
    for (let i = 0; i < 9000; i++) append(log, i, i, bytes('k'), bytes('vv'));
    expect(log.trimBefore(5000)).toBe(5000);
    expect(log.recordCount).toBe(4000);
    expect(log.byteCount).toBe(4000 * 3);
    const r = log.read(0, 1, 1 << 20);
    expect(r.records[0]?.seq).toBe(5000);
    expect(log.seekTime(0)).toBe(5000);
    expect(log.trimBefore(1e9)).toBe(4000);
    expect(log.read(0, 10, 1 << 20).records).toHaveLength(0);
    append(log, 9000, 2e9, bytes('k'), bytes('new'));
    expect(text(log.read(0, 10, 1 << 20).records[0]?.data ?? new Uint8Array())).toBe('new');
  });

  it('finds positions by seq and by time across many segments after trimming', () => {
    const log = new MemoryLog();
    for (let i = 0; i < 50_000; i++) append(log, i, 10_000 + i, bytes('k'), bytes('v'));
    log.trimBefore(10_000 + 20_000);
    expect(log.recordCount).toBe(30_000);
    expect(log.read(0, 1, 1 << 20).records[0]?.seq).toBe(20_000);
    expect(log.read(45_000, 2, 1 << 20).records.map((r) => r.seq)).toEqual([45_000, 45_001]);
    expect(log.read(50_000, 2, 1 << 20).records).toEqual([]);
    expect(log.seekTime(0)).toBe(20_000);
    expect(log.seekTime(10_000 + 33_333)).toBe(33_333);
    expect(log.seekTime(10_000 + 50_000)).toBeNull();
    expect(log.arrivalAt(49_999)).toBe(10_000 + 49_999);
    expect(log.arrivalAt(12)).toBe(10_000 + 20_000); // trimmed: the first retained record
  });

  it('takes segments from its chunk pool, recycles trimmed ones, and reads right from a recycled block', () => {
    const pool = new ChunkPool(4 * CHUNK_BYTES);
    const log = new MemoryLog(pool);
    // 8,192 records fill a segment; 20,000 take three chunks.
    for (let i = 0; i < 20_000; i++) append(log, i, i, bytes(`k${i}`), bytes(`d${i}`));
    expect(pool.inUse).toBe(3);
    expect(log.trimBefore(16_384)).toBe(16_384);
    expect(pool.inUse).toBe(1);
    // New segments reuse the freed blocks, which still hold the old records' bytes and columns.
    for (let i = 20_000; i < 40_000; i++) append(log, i, i, bytes(`n${i}`), bytes(`e${i}`));
    expect(pool.inUse).toBe(3);
    const all = log.read(0, 100_000, Number.MAX_SAFE_INTEGER).records;
    expect(all).toHaveLength(40_000 - 16_384);
    all.forEach((r, k) => {
      const i = 16_384 + k;
      expect(r.seq).toBe(i);
      expect(text(r.key)).toBe(i < 20_000 ? `k${i}` : `n${i}`);
      expect(text(r.data)).toBe(i < 20_000 ? `d${i}` : `e${i}`);
    });
    expect(log.seekTime(30_000)).toBe(30_000);
    // Past the pool's capacity, segments get memory of their own; so does a record bigger than a chunk.
    for (let i = 40_000; i < 60_000; i++) append(log, i, i, bytes('k'), bytes('v'));
    append(log, 60_000, 60_000, bytes('big'), new Uint8Array(CHUNK_BYTES).fill(7));
    expect(pool.inUse).toBe(4);
    const big = log.read(60_000, 1, Number.MAX_SAFE_INTEGER).records[0];
    expect(big?.data.length).toBe(CHUNK_BYTES);
    expect(big?.data.every((b) => b === 7)).toBe(true);
    log.dispose();
    expect(pool.inUse).toBe(0);
  });

  it('falls back to memory of its own when the host refuses the pool its reservation', () => {
    // 2^44 bytes of address space is more than any host here grants an ArrayBuffer.
    const pool = new ChunkPool(2 ** 44);
    const log = new MemoryLog(pool);
    for (let i = 0; i < 10_000; i++) append(log, i, i, bytes(`k${i}`), bytes(`d${i}`));
    expect(log.read(9_999, 1, 1 << 20).records.map((r) => text(r.data))).toEqual(['d9999']);
    expect(pool.inUse).toBeLessThanOrEqual(2); // a smaller reservation, or none
  });
});
