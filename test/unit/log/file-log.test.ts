import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLog, LogCorruptError, type FileLogOptions } from '../../../src/log/file-log.js';
import { ChunkPool, CHUNK_BYTES } from '../../../src/log/chunk-pool.js';
import type { LogRecord } from '../../../src/log/shard-log.js';

// The durable log on its own, in this thread: segment files, sparse indexes, the bounded hot tail,
// reads from disk, recovery of indexes, retention. (Crash recovery against the real server is in
// test/integration/durability.test.ts.)
const roots: string[] = [];
afterAll(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'riffle-filelog-'));
  roots.push(d);
  return join(d, 'shard-0');
}

interface Written {
  seq: number;
  arrivalMs: number;
  key: string;
  data: Buffer;
}

/** Deterministic record i: sizes vary from a few bytes to ~3 KiB. */
function record(i: number, arrivalMs: number): Written {
  const size = (i * 7919) % 3000;
  return { seq: i, arrivalMs, key: `key-${i % 37}`, data: Buffer.alloc(size, i % 251) };
}

function write(log: FileLog, recs: Written[], perCommit: number): void {
  recs.forEach((r, i) => {
    const key = Buffer.from(r.key);
    log.append(r.seq, r.arrivalMs, Buffer.concat([key, r.data]), 0, key.length, r.data.length);
    if ((i + 1) % perCommit === 0) log.commit();
  });
  log.commit();
}

function same(got: LogRecord, want: Written): boolean {
  return got.seq === want.seq && got.arrivalMs === want.arrivalMs && Buffer.from(got.key).toString() === want.key && Buffer.from(got.data).equals(want.data);
}

/** Reads everything from `from` in pages, checking each page's limits hold. */
function readAll(log: FileLog, from: number, limit: number, maxBytes: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (let next = from; ; ) {
    const page = log.read(next, limit, maxBytes);
    expect(page.records.length).toBeLessThanOrEqual(limit);
    if (page.records.length > 1) expect(page.bytes).toBeLessThanOrEqual(maxBytes);
    // Views into the read buffer are valid until the next read: copy.
    for (const r of page.records) out.push({ seq: r.seq, arrivalMs: r.arrivalMs, key: Buffer.from(r.key), data: Buffer.from(r.data) });
    if (page.records.length === 0) return out;
    next = page.nextSeq;
  }
}

const small = (pool: ChunkPool): FileLogOptions => ({ segmentBytes: 256 * 1024, segmentMs: 3_600_000, hotBytes: 2 * CHUNK_BYTES, pool });

describe('FileLog', () => {
  it('serves records older than its hot tail from disk, exactly, with memory bounded by the hot tail', () => {
    const pool = new ChunkPool(64 * CHUNK_BYTES);
    const dir = freshDir();
    const { log } = FileLog.open(dir, small(pool));
    const recs = Array.from({ length: 12_000 }, (_, i) => record(i, 1_000 + Math.floor(i / 10)));
    write(log, recs, 97);
    // ~18 MB on disk in 256 KiB files; memory holds the hot tail's two blocks.
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeGreaterThan(60);
    expect(log.memoryFootprint.hotSegments).toBeLessThanOrEqual(2);
    expect(pool.inUse).toBeLessThanOrEqual(2);
    for (const [limit, maxBytes] of [
      [10_000, 10 * 1024 * 1024],
      [333, 100_000],
      [7, 1],
    ] as const) {
      const got = readAll(log, 0, limit, maxBytes);
      expect(got.length).toBe(recs.length);
      got.forEach((r, i) => expect(same(r, recs[i] as Written)).toBe(true));
    }
    expect(log.memoryFootprint.cachedFiles).toBeLessThanOrEqual(8);
    // Starting anywhere: on disk, in the hot tail, past the end.
    for (const from of [0, 1, 4_321, 11_990, 12_000, 50_000]) {
      const page = log.read(from, 5, 1 << 30);
      expect(page.records.map((r) => r.seq)).toEqual(recs.slice(from, from + 5).map((r) => r.seq));
      expect(page.nextSeq).toBe(from >= 12_000 ? from : from + 5);
    }
    // Time: the first record at or after a time, and the arrival at a counter, on disk and in memory.
    for (const t of [0, 1_000, 1_432, 1_999, 2_199, 2_200]) {
      const want = recs.find((r) => r.arrivalMs >= t);
      expect(log.seekTime(t)).toBe(want?.seq ?? null);
    }
    for (const s of [0, 3_333, 11_999]) expect(log.arrivalAt(s)).toBe(recs[s]?.arrivalMs);
    expect(log.arrivalAt(12_000)).toBeNull();
    log.dispose();
  });

  it('reopens from index files without scanning sealed segments, and rebuilds a missing, damaged or stale index', () => {
    const dir = freshDir();
    const pool = new ChunkPool(64 * CHUNK_BYTES);
    const recs = Array.from({ length: 3_000 }, (_, i) => record(i, 5_000 + i));
    write(FileLog.open(dir, small(pool)).log, recs, 50);
    const indexes = readdirSync(dir).filter((f) => f.endsWith('.idx')).sort();
    const segments = readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();
    expect(indexes.length).toBe(segments.length - 1); // every sealed segment has one; the newest not yet

    let opened = FileLog.open(dir, small(pool));
    expect(opened.recovery).toMatchObject({ records: 3_000, nextSeq: 3_000, lastArrivalMs: 7_999, truncatedBytes: 0, notes: [] });

    unlinkSync(join(dir, indexes[0] as string));
    const second = readFileSync(join(dir, indexes[1] as string));
    second[70] ^= 0xff;
    writeFileSync(join(dir, indexes[1] as string), second);
    // A stale index: valid, but for a different size of segment (as if written for another file).
    writeFileSync(join(dir, indexes[3] as string), readFileSync(join(dir, indexes[2] as string)));
    opened = FileLog.open(dir, small(pool));
    expect(opened.recovery.notes).toEqual([
      `segment ${segments[0]}: rebuilt its index (no index file)`,
      `segment ${segments[1]}: rebuilt its index (index file fails its CRC-32C)`,
      `segment ${segments[3]}: rebuilt its index (index is stale)`,
    ]);
    const got = readAll(opened.log, 0, 1_000, 1 << 30);
    expect(got.length).toBe(3_000);
    got.forEach((r, i) => expect(same(r, recs[i] as Written)).toBe(true));
    expect(FileLog.open(dir, small(pool)).recovery.notes).toEqual([]); // rebuilt indexes were saved
  });

  it('fails a read that reaches a damaged record in a sealed segment, and serves everything else', () => {
    const dir = freshDir();
    const pool = new ChunkPool(64 * CHUNK_BYTES);
    const recs = Array.from({ length: 3_000 }, (_, i) => record(i, 5_000 + i));
    write(FileLog.open(dir, small(pool)).log, recs, 50);
    const segments = readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();
    const victim = join(dir, segments[2] as string);
    const bytes = readFileSync(victim);
    bytes[bytes.length - 100] ^= 0x01; // inside the last record of the third segment
    writeFileSync(victim, bytes);
    const { log, recovery } = FileLog.open(dir, small(pool));
    expect(recovery.notes).toEqual([]); // sealed segments are not scanned at start
    const thirdFirst = Number((segments[2] as string).slice(0, 20));
    const fourthFirst = Number((segments[3] as string).slice(0, 20));
    // A read returns the records before the damage; the next one, starting at it, fails.
    const upTo = log.read(thirdFirst, 10_000, 1 << 30);
    expect(upTo.records.length).toBe(fourthFirst - thirdFirst - 1);
    expect(upTo.records.map((r) => r.seq)).toEqual(Array.from({ length: fourthFirst - thirdFirst - 1 }, (_, i) => thirdFirst + i));
    expect(() => log.read(upTo.nextSeq, 10_000, 1 << 30)).toThrow(LogCorruptError);
    expect(() => log.read(upTo.nextSeq, 10_000, 1 << 30)).toThrow(new RegExp(`segment ${segments[2]}: record at byte \\d+ fails its CRC-32C`));
    expect(() => log.read(0, 10_000, 1 << 30)).not.toThrow(); // stops before the damage
    const after = readAll(log, fourthFirst, 500, 1 << 30);
    expect(after.length).toBe(3_000 - fourthFirst);
    after.forEach((r, i) => expect(same(r, recs[fourthFirst + i] as Written)).toBe(true));
  });

  it('rolls segment files by age as well as size', () => {
    const dir = freshDir();
    const { log } = FileLog.open(dir, { segmentBytes: 1 << 30, segmentMs: 10_000, hotBytes: 2 * CHUNK_BYTES, pool: new ChunkPool(8 * CHUNK_BYTES) });
    // One record per second for 35 s: a new file every 10 s of arrivals.
    write(log, Array.from({ length: 35 }, (_, i) => record(i, 100_000 + i * 1_000)), 1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).sort()).toEqual([0, 10, 20, 30].map((n) => `${String(n).padStart(20, '0')}.seg`));
  });

  it('trims to the record, deletes whole expired files, and keeps the counter across a restart', () => {
    const dir = freshDir();
    const pool = new ChunkPool(64 * CHUNK_BYTES);
    const recs = Array.from({ length: 3_000 }, (_, i) => record(i, 10_000 + i));
    const first = FileLog.open(dir, small(pool)).log;
    write(first, recs, 50);
    const before = readdirSync(dir).filter((f) => f.endsWith('.seg')).length;
    first.trimBefore(10_000 + 1_234);
    expect(first.read(0, 3, 1 << 30).records.map((r) => r.seq)).toEqual([1_234, 1_235, 1_236]);
    expect(first.seekTime(0)).toBe(1_234);
    expect(first.seekTime(10_000 + 2_000)).toBe(2_000);
    const after = readdirSync(dir).filter((f) => f.endsWith('.seg')).length;
    expect(after).toBeLessThan(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.idx')).length).toBe(after - 1);
    // Everything expires: nothing is served, but the newest file stays and carries the counter.
    first.trimBefore(1e9);
    expect(first.read(0, 10, 1 << 30).records).toEqual([]);
    expect(first.seekTime(0)).toBeNull();
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBe(1);
    const { log, recovery } = FileLog.open(dir, small(pool));
    expect(recovery.nextSeq).toBe(3_000);
    log.trimBefore(1e9);
    expect(log.read(0, 10, 1 << 30).records).toEqual([]);
  });

  it('reads a 1 MiB record from disk (larger than one read chunk)', () => {
    const dir = freshDir();
    const pool = new ChunkPool(64 * CHUNK_BYTES);
    const { log } = FileLog.open(dir, { ...small(pool), segmentBytes: 4 << 20 });
    const big = (i: number): Written => ({ seq: i, arrivalMs: 1, key: 'big', data: Buffer.alloc(1024 * 1024 - 3, i) });
    const recs = Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? big(i) : record(i, 1)));
    write(log, recs, 1);
    expect(log.memoryFootprint.hotSegments).toBeLessThanOrEqual(2);
    const got = readAll(log, 0, 10, 1);
    expect(got.length).toBe(10);
    got.forEach((r, i) => expect(same(r, recs[i] as Written)).toBe(true));
  });
});

describe('FileLog, damaged or many files', () => {
  const segs = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();
  const fdsInto = (dir: string) => readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
    } catch {
      return false;
    }
  }).length;

  it('keeps at most 8 sealed files cached (index and descriptor), however many roll', () => {
    const dir = freshDir();
    const { log } = FileLog.open(dir, small(new ChunkPool(64 * CHUNK_BYTES)));
    for (let i = 0; i < 40; i++) {
      write(log, Array.from({ length: 100 }, (_, k) => record(i * 100 + k, 1_000 + i)), 100);
      log.read(i * 100, 10, 1 << 30); // a reader just behind the writer, on disk
    }
    expect(segs(dir).length).toBeGreaterThan(15);
    expect(log.memoryFootprint.cachedFiles).toBeLessThanOrEqual(8);
    expect(fdsInto(dir)).toBeLessThanOrEqual(10);
    log.dispose();
  });

  it('never skips intact older files around a sealed file whose index is lost and whose start is damaged', () => {
    const dir = freshDir();
    const pool = new ChunkPool(64 * CHUNK_BYTES);
    const recs = Array.from({ length: 3_000 }, (_, i) => record(i, 5_000 + i));
    write(FileLog.open(dir, small(pool)).log, recs, 50);
    const names = segs(dir);
    const victim = join(dir, names[5] as string);
    const bytes = readFileSync(victim);
    bytes[20] ^= 0x01; // the first record
    writeFileSync(victim, bytes);
    unlinkSync(victim.replace(/\.seg$/, '.idx'));
    const { log, recovery } = FileLog.open(dir, small(pool));
    expect(recovery.notes.join('\n')).toMatch(new RegExp(`segment ${names[5]} is corrupt at byte 16`));
    const first = Number((names[5] as string).slice(0, 20));
    // Pages up to the damage, then the read that starts at it fails.
    const got: number[] = [];
    let next = 0;
    for (;;) {
      let page;
      try {
        page = log.read(next, 10_000, 1 << 30);
      } catch (err) {
        expect(err).toBeInstanceOf(LogCorruptError);
        break;
      }
      got.push(...page.records.map((r) => r.seq));
      next = page.nextSeq;
    }
    expect(got).toEqual(recs.slice(0, first).map((r) => r.seq));
    expect(() => log.read(first, 10, 1 << 30)).toThrow(LogCorruptError);
    expect(() => log.read(first + 3, 10, 1 << 30)).toThrow(LogCorruptError); // inside what was lost
    expect(log.seekTime(0)).toBe(0);
    expect(() => log.seekTime(5_000 + first + 2)).toThrow(LogCorruptError);
    log.trimBefore(5_001);
    expect(log.read(0, 1, 1 << 30).records.map((r) => r.seq)).toEqual([1]);
  });

  it('still trims when the record at the horizon is damaged: expired files go, the horizon moves past them', () => {
    const dir = freshDir();
    const pool = new ChunkPool(64 * CHUNK_BYTES);
    const recs = Array.from({ length: 3_000 }, (_, i) => record(i, 5_000 + i));
    write(FileLog.open(dir, small(pool)).log, recs, 50);
    const names = segs(dir);
    const victim = join(dir, names[3] as string);
    const bytes = readFileSync(victim);
    bytes[bytes.length - 100] ^= 0x01; // the last record of the fourth file
    writeFileSync(victim, bytes);
    const { log } = FileLog.open(dir, small(pool));
    const fourth = Number((names[3] as string).slice(0, 20));
    const fifth = Number((names[4] as string).slice(0, 20));
    log.trimBefore(5_000 + fifth - 1); // the horizon would be the damaged record
    expect(segs(dir)[0]).toBe(names[3]);
    const head = log.read(0, 1, 1 << 30).records[0]?.seq as number;
    expect(head).toBeGreaterThanOrEqual(fourth);
  });
});

describe('a shard directory removed under the log', () => {
  it('is made again for the next commit, whose records are stored and recovered; nothing already acknowledged is claimed from it', () => {
    const dir = freshDir();
    const opts: FileLogOptions = { segmentBytes: 64 * 1024, segmentMs: 3_600_000, hotBytes: 4 * CHUNK_BYTES };
    const { log } = FileLog.open(dir, opts);
    const first = Array.from({ length: 50 }, (_, i) => record(i + 1, 1000 + i));
    write(log, first, 10);
    // Removed by hand (or by DeleteStream while the owner could not write), with the tail's
    // descriptor closed (the descriptor cache took it): the next commit must open files again.
    log.closeFd();
    rmSync(dir, { recursive: true, force: true });
    const later = Array.from({ length: 20 }, (_, i) => record(51 + i, 2000 + i));
    write(log, later, 5);
    const { log: reopened } = FileLog.open(dir, opts);
    const got = readAll(reopened, 0, 1000, 1 << 30);
    expect(got.map((r) => r.seq)).toEqual(later.map((r) => r.seq));
    got.forEach((r, i) => expect(same(r, later[i] as Written)).toBe(true));
    reopened.dispose();
  });
});
