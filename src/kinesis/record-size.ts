import { PUT_RECORDS_BYTES_MAX, RECORD_BYTES_MAX } from '../limits.js';
import { recordsTooLarge, recordTooLarge } from './errors.js';

/** AWS counts a record as its data blob plus its partition key (UTF-8), and caps that at 1 MiB. */
export function recordBytes(partitionKey: string, data: Uint8Array): number {
  return Buffer.byteLength(partitionKey, 'utf8') + data.length;
}

export function checkRecordSize(partitionKey: string, data: Uint8Array): number {
  const size = recordBytes(partitionKey, data);
  if (size > RECORD_BYTES_MAX) {
    throw recordTooLarge();
  }
  return size;
}

export function checkBatchSize(records: ReadonlyArray<{ PartitionKey: string; Data: Uint8Array }>): void {
  let total = 0;
  for (const r of records) total += checkRecordSize(r.PartitionKey, r.Data);
  // Wording as AWS returns it: "InvalidArgumentException: Records size exceeds 5 MB limit".
  if (total > PUT_RECORDS_BYTES_MAX) throw recordsTooLarge();
}
