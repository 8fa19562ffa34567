import type { Stream } from '../engine/model.js';
import { PUT_RECORDS_BYTES_MAX, PUT_RECORDS_LARGE_BYTES_MAX, RECORD_BYTES_MAX } from '../limits.js';
import { SPAN_WORDS } from '../native/ingest.js';
import { recordsTooLarge, recordTooLarge } from './errors.js';

/**
 * Record and request sizes against a stream's own maximum record size (UpdateMaxRecordSize,
 * 1 to 10 MiB): the limits are defined once in limits.ts, the per-stream values derived here.
 * The shapes and the binary scanner take anything up to RECORD_BYTES_LIMIT; these checks run once
 * the stream is known.
 */
export function maxRecordBytes(stream: Stream): number {
  return stream.settings.maxRecordSizeKiB * 1024;
}

/** PutRecords' whole-request limit: 5 MiB, or 10 MiB on a stream that takes records over 1 MiB. */
export function maxBatchBytes(stream: Stream): number {
  return maxRecordBytes(stream) > RECORD_BYTES_MAX ? PUT_RECORDS_LARGE_BYTES_MAX : PUT_RECORDS_BYTES_MAX;
}

/** AWS counts a record as its data blob plus its partition key (UTF-8). */
export function recordBytes(partitionKey: string, data: Uint8Array): number {
  return Buffer.byteLength(partitionKey, 'utf8') + data.length;
}

export function checkRecordSize(stream: Stream, partitionKey: string, data: Uint8Array): number {
  const size = recordBytes(partitionKey, data);
  const max = maxRecordBytes(stream);
  if (size > max) throw recordTooLarge(max);
  return size;
}

export function checkBatchSize(stream: Stream, records: ReadonlyArray<{ PartitionKey?: string | undefined; Data: Uint8Array }>): void {
  let total = 0;
  for (const r of records) total += checkRecordSize(stream, r.PartitionKey ?? '', r.Data);
  // Wording as AWS returns it: "InvalidArgumentException: Records size exceeds 5 MB limit".
  if (total > maxBatchBytes(stream)) throw recordsTooLarge(maxBatchBytes(stream));
}

/** The same for records scanned in place (PutRecords' fast path), from their spans. */
export function checkSpanSizes(stream: Stream, spans: Uint32Array, count: number, batchLimit: boolean): void {
  const max = maxRecordBytes(stream);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const size = (spans[SPAN_WORDS * i + 1] as number) + (spans[SPAN_WORDS * i + 3] as number);
    if (size > max) throw recordTooLarge(max);
    total += size;
  }
  if (batchLimit && total > maxBatchBytes(stream)) throw recordsTooLarge(maxBatchBytes(stream));
}
