import { formatSequenceNumber } from '../../engine/sequence-number.js';
import { READ_RECORD_FIXED_BYTES } from '../../shard/messages.js';
import type { Positions } from '../delivery/batch.js';
import type { RecordIn } from './contract.js';

/** A Kinesis source's shard, for the kinesisRecordMetadata of its records. */
export interface ShardMeta {
  shardId: string;
  /** sequencePrefix(): the shard's sequence numbers are this and the record's counter. */
  seqPrefix: string;
}

/** Records waiting for a transform, with what the unit of them covers (the checkpoint once they are delivered). */
export interface TakenRecords {
  readonly records: RecordIn[];
  readonly bytes: number;
  readonly oldestArrivalMs: number;
  readonly newestArrivalMs: number;
  readonly positions: Positions;
}

const decoder = new TextDecoder();

/**
 * The transform's buffer (BufferSizeInMBs / BufferIntervalInSeconds of the Lambda processor): the
 * records a source read, one by one, as the invocation event needs them: data (views into one copy
 * of the owner's reply), arrival, and for a Kinesis source the shard, partition key, sequence number and
 * subsequence number (a KPL-aggregated record's user records keep its sequence number). Each gets
 * a recordId unique in the delivery stream and the same every time the record is read: its
 * sequence number (DirectPut: its log counter) and subsequence number, as AWS's ids are.
 */
export class RecordIntake {
  private records: RecordIn[] = [];
  bytes = 0;
  oldestArrivalMs = Infinity;
  newestArrivalMs = 0;
  private readonly positions: Map<string, number>;

  constructor(
    start: Positions,
    /** A source's shard (null: a DirectPut log, which has no Kinesis metadata). */
    private readonly shardOf: (source: string) => ShardMeta | null,
  ) {
    this.positions = new Map(start);
  }

  get count(): number {
    return this.records.length;
  }

  /** Batch.add's contract: a READ reply section from `source`, read next at `nextSeq`. Returns the bytes added. */
  add(source: string, reply: Uint8Array, count: number, nextSeq: number, split?: (data: Uint8Array) => readonly Uint8Array[] | null): number {
    // One copy out of the owner's reply (which is reused): the records' data are views into it.
    const section = reply.slice();
    const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
    const shard = this.shardOf(source);
    let pos = 0;
    let added = 0;
    for (let i = 0; i < count; i++) {
      const seq = view.getFloat64(pos, true);
      const arrivalMs = view.getFloat64(pos + 8, true);
      const keyLen = view.getUint16(pos + 16, true);
      const dataLen = view.getUint32(pos + 18, true);
      const at = pos + READ_RECORD_FIXED_BYTES + keyLen;
      const data = section.subarray(at, at + dataLen);
      const split0 = split?.(data) ?? null; // a KPL-aggregated record's user records
      const parts = split0 ?? [data];
      const sequenceNumber = shard === null ? String(seq).padStart(20, '0') : formatSequenceNumber(shard.seqPrefix, seq);
      const partitionKey = shard === null ? '' : decoder.decode(section.subarray(pos + READ_RECORD_FIXED_BYTES, at));
      parts.forEach((part, sub) => {
        const record: RecordIn = { recordId: `${sequenceNumber}${String(sub).padStart(6, '0')}`, arrivalMs, data: part };
        if (shard !== null) {
          record.kinesis = { shardId: shard.shardId, partitionKey, arrivalMs, sequenceNumber, ...(split0 === null ? {} : { subsequenceNumber: String(sub) }) };
        }
        this.records.push(record);
        added += part.length;
      });
      if (arrivalMs < this.oldestArrivalMs) this.oldestArrivalMs = arrivalMs;
      if (arrivalMs > this.newestArrivalMs) this.newestArrivalMs = arrivalMs;
      pos = at + dataLen;
    }
    if (pos !== section.length) throw new Error(`READ reply of ${count} records has ${section.length - pos} bytes left over`);
    this.bytes += added;
    this.positions.set(source, nextSeq);
    return added;
  }

  /** Everything buffered, as one unit of invocations; the buffer is left empty. */
  take(): TakenRecords {
    const taken: TakenRecords = { records: this.records, bytes: this.bytes, oldestArrivalMs: this.oldestArrivalMs, newestArrivalMs: this.newestArrivalMs, positions: new Map(this.positions) };
    this.records = [];
    this.bytes = 0;
    this.oldestArrivalMs = Infinity;
    this.newestArrivalMs = 0;
    return taken;
  }
}
