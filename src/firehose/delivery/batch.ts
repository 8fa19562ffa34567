import { READ_RECORD_FIXED_BYTES } from '../../shard/messages.js';

const NEWLINE = 0x0a;

/** Where each source of a batch is: the log's or each shard's counter to read from next. */
export type Positions = ReadonlyMap<string, number>;

/**
 * The records buffered for one object: their data concatenated (with a newline after each when
 * the AppendDelimiterToRecord processor is on), how many, the arrival times the object's key and
 * the log's trim need, and where each source will be once the object is stored (the checkpoint).
 * Data is copied once, out of the owner's read reply.
 */
export class Batch {
  private chunks: Uint8Array[] = [];
  bytes = 0;
  count = 0;
  /** Arrival of the oldest record (the time in the object's key and prefix), ms; Infinity when empty. */
  oldestArrivalMs = Infinity;
  /** Arrival of the newest record, ms. */
  newestArrivalMs = 0;
  private readonly positions: Map<string, number>;

  constructor(
    /** A newline after each record (AppendDelimiterToRecord); UpdateDestination may change it for the records added next. */
    public delimiter: boolean,
    /** Every source's position before its first record here: a checkpoint always names them all. */
    start: Positions,
  ) {
    this.positions = new Map(start);
  }

  /**
   * Adds the records of a READ reply section (`count` records laid out as seq f64, arrival f64,
   * keyLen u16, dataLen u32, key, data; little-endian) read from `source`, which is next read at
   * `nextSeq`. `split` may turn one record's data into several (KPL de-aggregation). Returns the
   * bytes added.
   */
  add(source: string, section: Uint8Array, count: number, nextSeq: number, split?: (data: Uint8Array) => readonly Uint8Array[]): number {
    const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
    let pos = 0;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const arrival = view.getFloat64(pos + 8, true);
      const keyLen = view.getUint16(pos + 16, true);
      const dataLen = view.getUint32(pos + 18, true);
      const at = pos + READ_RECORD_FIXED_BYTES + keyLen;
      const data = section.subarray(at, at + dataLen);
      if (split === undefined) parts.push(data);
      else for (const p of split(data)) parts.push(p);
      if (arrival < this.oldestArrivalMs) this.oldestArrivalMs = arrival;
      if (arrival > this.newestArrivalMs) this.newestArrivalMs = arrival;
      pos = at + dataLen;
    }
    if (pos !== section.length) throw new Error(`READ reply of ${count} records has ${section.length - pos} bytes left over`);
    let size = 0;
    for (const p of parts) size += p.length + (this.delimiter ? 1 : 0);
    if (size > 0) {
      const chunk = new Uint8Array(size);
      let out = 0;
      for (const p of parts) {
        chunk.set(p, out);
        out += p.length;
        if (this.delimiter) chunk[out++] = NEWLINE;
      }
      this.chunks.push(chunk);
    }
    this.bytes += size;
    this.count += parts.length;
    this.positions.set(source, nextSeq);
    return size;
  }

  /** The object's body (one buffer, the records in order) and what it covers; the batch is left empty. */
  take(): TakenBatch {
    // A buffer of its own (never a slice of Node's shared pool): the compression pool moves it to its thread.
    let body: Uint8Array;
    if (this.chunks.length === 1) body = this.chunks[0] as Uint8Array;
    else {
      body = new Uint8Array(this.bytes);
      let at = 0;
      for (const c of this.chunks) {
        body.set(c, at);
        at += c.length;
      }
    }
    const taken: TakenBatch = {
      body,
      bytes: this.bytes,
      count: this.count,
      oldestArrivalMs: this.oldestArrivalMs,
      newestArrivalMs: this.newestArrivalMs,
      positions: new Map(this.positions),
    };
    this.chunks = [];
    this.bytes = 0;
    this.count = 0;
    this.oldestArrivalMs = Infinity;
    this.newestArrivalMs = 0;
    return taken;
  }
}

export interface TakenBatch {
  readonly body: Uint8Array;
  /** body's length when taken (the pool may move body to its thread). */
  readonly bytes: number;
  readonly count: number;
  readonly oldestArrivalMs: number;
  readonly newestArrivalMs: number;
  /** Every source's position after these records: the checkpoint once the object is stored. */
  readonly positions: Positions;
}
