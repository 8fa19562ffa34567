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
  /** Each record's length in the body, in order, when the destination needs the records apart (an HTTP endpoint). */
  private lengths: number[] | null;

  constructor(
    /** A newline after each record (AppendDelimiterToRecord); UpdateDestination may change it for the records added next. */
    public delimiter: boolean,
    /** Every source's position before its first record here: a checkpoint always names them all. */
    start: Positions,
    /** Keep each record's length (TakenBatch.lengths): an HTTP endpoint gets the records one by one. */
    private readonly keepLengths = false,
  ) {
    this.positions = new Map(start);
    this.lengths = keepLengths ? [] : null;
  }

  /**
   * Adds the records of a READ reply section (`count` records laid out as seq f64, arrival f64,
   * keyLen u16, dataLen u32, key, data; little-endian) read from `source`, which is next read at
   * `nextSeq`. `split` may turn one record's data into several (KPL de-aggregation; null: the
   * record as it is). One pass sizes the chunk, one copies into it: nothing is made per record but
   * the parts of a record that splits. Returns the bytes added.
   */
  add(source: string, section: Uint8Array, count: number, nextSeq: number, split?: (data: Uint8Array) => readonly Uint8Array[] | null): number {
    const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
    const extra = this.delimiter ? 1 : 0;
    let split0: Map<number, readonly Uint8Array[]> | null = null; // the records that split, by index
    let pos = 0;
    let size = 0;
    let records = 0;
    for (let i = 0; i < count; i++) {
      const arrival = view.getFloat64(pos + 8, true);
      const at = pos + READ_RECORD_FIXED_BYTES + view.getUint16(pos + 16, true);
      const dataLen = view.getUint32(pos + 18, true);
      const parts = split?.(section.subarray(at, at + dataLen)) ?? null;
      if (parts === null) {
        size += dataLen + extra;
        records++;
      } else {
        (split0 ??= new Map()).set(i, parts);
        for (const p of parts) size += p.length + extra;
        records += parts.length;
      }
      if (arrival < this.oldestArrivalMs) this.oldestArrivalMs = arrival;
      if (arrival > this.newestArrivalMs) this.newestArrivalMs = arrival;
      pos = at + dataLen;
    }
    if (pos !== section.length) throw new Error(`READ reply of ${count} records has ${section.length - pos} bytes left over`);
    if (size > 0) {
      const chunk = new Uint8Array(size);
      let out = 0;
      const lengths = this.lengths;
      const put = (bytes: Uint8Array): void => {
        chunk.set(bytes, out);
        out += bytes.length;
        if (extra === 1) chunk[out++] = NEWLINE;
        lengths?.push(bytes.length + extra);
      };
      const src = Buffer.from(section.buffer, section.byteOffset, section.byteLength); // copy() takes ranges: no view per record
      pos = 0;
      for (let i = 0; i < count; i++) {
        const at = pos + READ_RECORD_FIXED_BYTES + view.getUint16(pos + 16, true);
        const dataLen = view.getUint32(pos + 18, true);
        const parts = split0?.get(i);
        if (parts !== undefined) for (const p of parts) put(p);
        else {
          out += src.copy(chunk, out, at, at + dataLen);
          if (extra === 1) chunk[out++] = NEWLINE;
          lengths?.push(dataLen + extra);
        }
        pos = at + dataLen;
      }
      this.chunks.push(chunk);
    } else if (this.lengths !== null) {
      for (let r = 0; r < records; r++) this.lengths.push(0); // empty records (an HTTP endpoint takes them)
    }
    this.bytes += size;
    this.count += records;
    this.positions.set(source, nextSeq);
    return size;
  }

  /**
   * Adds records made elsewhere (a transform's output: `parts`, with the delimiter as for any
   * record) that cover the source up to `positions`, the records in them having arrived from
   * `oldestArrivalMs` to `newestArrivalMs`. With no parts, the positions still move: the batch
   * is then `advanced` (due, so the checkpoint follows).
   */
  addRecords(parts: readonly Uint8Array[], oldestArrivalMs: number, newestArrivalMs: number, positions: Positions): void {
    const extra = this.delimiter ? 1 : 0;
    let size = 0;
    for (const p of parts) size += p.length + extra;
    if (size > 0) {
      const chunk = new Uint8Array(size);
      let out = 0;
      for (const p of parts) {
        chunk.set(p, out);
        out += p.length;
        if (extra === 1) chunk[out++] = NEWLINE;
      }
      this.chunks.push(chunk);
    }
    if (this.lengths !== null) for (const p of parts) this.lengths.push(p.length + extra);
    if (parts.length > 0 && oldestArrivalMs < this.oldestArrivalMs) this.oldestArrivalMs = oldestArrivalMs;
    if (newestArrivalMs > this.newestArrivalMs) this.newestArrivalMs = newestArrivalMs;
    this.bytes += size;
    this.count += parts.length;
    for (const [source, next] of positions) this.positions.set(source, next);
    this.advanced = true;
  }

  /** Records were added by addRecords since the last take: the checkpoint is due even if they were all dropped. */
  advanced = false;

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
      ...(this.lengths === null ? {} : { lengths: Uint32Array.from(this.lengths) }),
    };
    if (this.keepLengths) this.lengths = [];
    this.advanced = false;
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
  /** With keepLengths: each record's length in `body`, in order (they add up to `bytes`). */
  readonly lengths?: Uint32Array;
}
