/**
 * Recovery of a shard's durable log when it is opened: sealed segments are taken at their index
 * files' word (checked against the file's size; a missing, damaged or stale index is rebuilt by
 * scanning the segment); only the newest segment, the one that was being written, is scanned, and
 * a torn or corrupt tail is cut off at the last good record. Damage inside a sealed segment is
 * noted, not repaired: the reads that reach it fail (see file-log.ts).
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { segmentHeader, SEGMENT_HEADER_BYTES, type ScannedRecord } from './segment-codec.js';
import type { SparseIndex } from './sparse-index.js';
import { baseSeqOf, emptySummary, indexPathOf, readIndexFile, rebuildIndex, SegmentFile, SEGMENT_SUFFIX } from './segment-file.js';
import { DATA_DIR_MODE, DATA_FILE_MODE } from './data-dir.js';

/** What recovery found and did, for the start-up report. */
export interface Recovery {
  records: number;
  segments: number;
  nextSeq: number;
  lastArrivalMs: number;
  truncatedBytes: number;
  /** Human-readable repairs and problems, empty when the shard was clean. */
  notes: string[];
}

/**
 * Recovers the segments in `dir` (created if missing), oldest first. The newest segment's records
 * are handed to `onTailRecord` as they are scanned (they become the hot tail in memory), in a
 * buffer that is read into again after the call: copy what is kept. The newest segment is left
 * open for appends as `tailFd` (-1 when there is no segment yet).
 */
export function recoverSegments(dir: string, onTailRecord: (r: ScannedRecord, buf: Uint8Array) => void): { files: SegmentFile[]; recovery: Recovery; tailFd: number } {
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  const recovery: Recovery = { records: 0, segments: 0, nextSeq: 0, lastArrivalMs: 0, truncatedBytes: 0, notes: [] };
  for (const name of readdirSync(dir)) if (name.endsWith('.tmp')) unlinkSync(join(dir, name)); // an index write cut off
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(SEGMENT_SUFFIX))
    .sort();
  const files: SegmentFile[] = [];
  let tailFd = -1;
  let lastSeq = -1;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    let file: SegmentFile;
    if (i === names.length - 1) ({ file, fd: tailFd } = recoverTail(dir, name, lastSeq, recovery, onTailRecord));
    else file = recoverSealed(dir, name, lastSeq, recovery);
    files.push(file);
    recovery.records += file.summary.records;
    recovery.segments++;
    if (file.summary.records > 0) {
      lastSeq = file.summary.lastSeq;
      recovery.lastArrivalMs = file.summary.lastArrivalMs;
    } else {
      lastSeq = Math.max(lastSeq, file.baseSeq - 1);
    }
  }
  // A damaged sealed file covers everything up to the next file: a read or seek that lands in
  // what was lost there must reach it and fail, never skip to the next file.
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as SegmentFile;
    const next = files[i + 1];
    // An empty file (the newest, just rolled) keeps the times ascending for the search by time.
    if (i > 0 && file.summary.records === 0) file.summary.lastArrivalMs = Math.max(file.summary.lastArrivalMs, (files[i - 1] as SegmentFile).summary.lastArrivalMs);
    if (file.corrupt === null || next === undefined) continue;
    file.summary.lastSeq = Math.max(file.summary.lastSeq, next.baseSeq - 1);
    if (next.summary.records > 0) file.summary.lastArrivalMs = Math.max(file.summary.lastArrivalMs, next.summary.firstArrivalMs);
  }
  recovery.nextSeq = lastSeq + 1;
  return { files, recovery, tailFd };
}

/** A sealed segment: its index file's summary if that is sound, else a scan that rebuilds it. */
function recoverSealed(dir: string, name: string, afterSeq: number, recovery: Recovery): SegmentFile {
  const path = join(dir, name);
  const size = statSync(path).size;
  const loaded = readIndexFile(indexPathOf(path));
  if (typeof loaded !== 'string' && loaded.summary.bytes === size && loaded.summary.firstSeq > afterSeq) {
    return new SegmentFile(dir, name, loaded.summary, null);
  }
  const why = typeof loaded === 'string' ? loaded : loaded.summary.bytes !== size ? 'index is stale' : 'index is out of order';
  const { index, scan } = rebuildIndex(path, afterSeq);
  const base = baseSeqOf(name);
  const file = new SegmentFile(dir, name, emptySummary(scan.firstSeq ?? base, Math.max(scan.goodBytes, SEGMENT_HEADER_BYTES)), index);
  if (scan.firstSeq !== null) {
    file.summary = { bytes: scan.goodBytes, records: scan.records, firstSeq: scan.firstSeq, lastSeq: scan.lastSeq as number, firstArrivalMs: index.count > 0 ? firstArrival(index) : 0, lastArrivalMs: scan.lastArrivalMs as number };
  }
  if (scan.problem === null) {
    file.saveIndex();
    recovery.notes.push(`segment ${name}: rebuilt its index (${why})`);
  } else {
    // Not saved: the next start finds and reports the damage again.
    file.corrupt = `segment ${name} is corrupt at byte ${scan.goodBytes} (${scan.problem}); records after counter ${file.summary.lastSeq} in it cannot be read`;
    recovery.notes.push(file.corrupt);
  }
  file.index = null; // loaded again on demand
  return file;
}

/** The newest segment: scanned whole, a torn tail cut off, its records the hot tail in memory. */
function recoverTail(dir: string, name: string, afterSeq: number, recovery: Recovery, onRecord: (r: ScannedRecord, buf: Uint8Array) => void): { file: SegmentFile; fd: number } {
  const path = join(dir, name);
  const { index, scan, fileBytes } = rebuildIndex(path, afterSeq, onRecord);
  const goodBytes = Math.max(scan.goodBytes, SEGMENT_HEADER_BYTES);
  if (scan.problem !== null) {
    // The newest segment's tail was being written when the process died: cut it off.
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, goodBytes);
      if (scan.goodBytes < SEGMENT_HEADER_BYTES) writeSync(fd, segmentHeader(), 0, SEGMENT_HEADER_BYTES, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    recovery.truncatedBytes += fileBytes - scan.goodBytes;
    recovery.notes.push(`segment ${name}: truncated ${fileBytes - scan.goodBytes} byte(s) after the last good record (${scan.problem})`);
  }
  const base = baseSeqOf(name);
  const file = new SegmentFile(dir, name, emptySummary(Math.max(base, afterSeq + 1), goodBytes), index);
  if (scan.firstSeq !== null) {
    file.summary = { bytes: goodBytes, records: scan.records, firstSeq: scan.firstSeq, lastSeq: scan.lastSeq as number, firstArrivalMs: firstArrival(index), lastArrivalMs: scan.lastArrivalMs as number };
  }
  index.nextDue = Math.max(index.nextDue, goodBytes); // appends continue the index after the last good record
  return { file, fd: openSync(path, 'a', DATA_FILE_MODE) };
}

function firstArrival(index: SparseIndex): number {
  // The first record of a file is always indexed (the first entry is due at the header's end).
  return index.count > 0 ? index.arrivalAt(0) : 0;
}
