/**
 * One shard's shared feed: the subscriptions that follow the shard's tip wait here, and the feed
 * reads each new range of records from the shard owner once, for all of them, and keeps the
 * batches a while so that a subscription a little behind (paused by its transport, limited by
 * its budget) takes them from memory too. A subscription further behind than the kept batches
 * reads for itself until it reaches them.
 *
 * Bounded: one owner read in flight (at most READ_BYTES_MAX), and batches are kept only while a
 * subscription still needs them, FEED_BYTES_MAX at most; beyond that the oldest go.
 * Event-driven: the feed reads when a subscription waits at its end and records were
 * acknowledged since its last read (or that read returned records: more may be there). A read at
 * the tip waits at the shard owner, which answers it right after its next commit that appends to
 * the shard, with the acks: new records reach the main thread with no further round trip.
 */
import type { PushReads } from '../engine/push-reads.js';
import type { Shard, Stream } from '../engine/model.js';
import { isAwsError } from '../aws/errors.js';
import { PushBatch, RECORDS_HEADER_BYTES } from './push-batch.js';

/** Bytes asked of the shard owner per read at most. */
export const READ_BYTES_MAX = 1024 * 1024;
/** Wait before reading again after the owner refused a read as overloaded. */
const RETRY_MS = 10;
/** ... at most this many times in a row (1 s), then the waiting readers end with the error. */
const RETRIES_MAX = 100;
/** Batches kept per shard at most (bytes of frames). */
export const FEED_BYTES_MAX = 8 * 1024 * 1024;

/** What the feed needs of a subscription. */
export interface FeedReader {
  /** The next counter this reader pushes. */
  readonly position: number;
  /** Records were acknowledged on the shard (for a reader that reads for itself). */
  notify(): void;
  /** The feed has a batch at the reader's position now. */
  wake(): void;
  /** The feed's read failed; the reader ends. */
  fail(err: unknown): void;
}

export class ShardFeed {
  /** Contiguous: each batch starts where the one before it ends. */
  private readonly batches: PushBatch[] = [];
  private keptBytes = 0;
  /** The counter the next owner read starts at; -1 before any reader has waited. */
  private end = -1;
  /** Every counter below this one has been shown to exist by an owner read (records or a range moved over). */
  private known = 0;
  private reading = false;
  /** Records may be there past `end`. */
  private pending = true;
  private closed = false;
  private retries = 0;
  readonly readers = new Set<FeedReader>();
  private readonly waiting = new Set<FeedReader>();

  constructor(
    private readonly stream: Stream,
    private readonly shard: Shard,
    private readonly reads: PushReads,
  ) {}

  /** Bytes of frames kept now (at most FEED_BYTES_MAX, or one batch if that alone is larger). */
  get keptFrameBytes(): number {
    return this.keptBytes;
  }

  /** The kept batch covering `position`, or null. */
  batchAt(position: number): PushBatch | null {
    for (let i = this.batches.length - 1; i >= 0; i--) {
      const b = this.batches[i] as PushBatch;
      if (position >= b.nextSeq) return null;
      if (position >= b.fromSeq) return b;
    }
    return null;
  }

  /**
   * A reader found no kept batch at its position. If that is where the feed reads next, it waits
   * for the read ('waiting'). If no read is in flight or awaited, and the reader is past the end
   * or nothing is kept, the feed moves to the reader's position (dropping what it kept) and the
   * reader waits. Otherwise the reader reads for itself: 'behind' what owner reads have shown to
   * exist (records are there), or 'ahead' of it (records may not be there yet: it reads only when
   * told of new ones). The feed's end alone proves nothing: a move can put it past the last record.
   */
  await(reader: FeedReader): 'waiting' | 'behind' | 'ahead' {
    const position = reader.position;
    if (position !== this.end) {
      // Never move while a read is in flight or readers wait at the end (they would be stranded),
      // nor back over kept batches other readers are using.
      const busy = this.reading || this.waiting.size > 0 || (position < this.end && this.batches.length > 0);
      if (busy) return position < this.known ? 'behind' : 'ahead';
      this.drop(this.batches.length);
      this.end = position;
      this.pending = true;
    }
    this.waiting.add(reader);
    this.read();
    return 'waiting';
  }

  /** Records were acknowledged on the shard: read for the waiting readers, tell the others. */
  committed(): void {
    this.pending = true;
    this.read();
    for (const r of this.readers) if (!this.waiting.has(r)) r.notify();
  }

  /** A reader moved on or left: batches every reader has passed are dropped. */
  release(): void {
    let min = Infinity;
    for (const r of this.readers) min = Math.min(min, r.position);
    let n = 0;
    while (n < this.batches.length && (this.batches[n] as PushBatch).nextSeq <= min) n++;
    this.drop(n);
  }

  remove(reader: FeedReader): void {
    this.readers.delete(reader);
    this.waiting.delete(reader);
    this.release();
  }

  close(): void {
    this.closed = true;
    this.drop(this.batches.length);
  }

  private read(): void {
    if (this.closed || this.reading || !this.pending || this.waiting.size === 0) return;
    this.reading = true;
    this.pending = false;
    const from = this.end;
    // A read at the tip waits at the owner and comes back with the next commit's records.
    this.reads.read(this.stream, this.shard, from, READ_BYTES_MAX, RECORDS_HEADER_BYTES, true).then(
      (read) => {
        this.reading = false;
        if (this.closed) return;
        // Records: more may be waiting behind them. None, but the range moved on (records gone
        // by retention): an empty batch carries the readers over it.
        if (read.count > 0 || read.nextSeq !== from) {
          let batch: PushBatch;
          try {
            batch = PushBatch.fromRead(this.shard, read);
          } catch (err) {
            return this.failWaiting(err);
          }
          this.retries = 0;
          this.keep(batch);
          this.end = read.nextSeq;
          this.known = Math.max(this.known, read.nextSeq);
          this.pending ||= read.count > 0;
          this.wakeWaiting();
        } else if (read.shardEnd) {
          // Nothing past here, ever: the waiting readers see the shard's end and finish it.
          this.wakeWaiting();
        }
        this.read();
      },
      (err: unknown) => {
        this.reading = false;
        this.pending = true; // what this read was for is still to be read
        // The owner is overloaded (its queue is full): try again shortly rather than end anyone.
        if (isAwsError(err) && err.code === 'ServiceUnavailable' && !this.closed && this.retries < RETRIES_MAX) {
          this.retries++;
          setTimeout(() => this.read(), RETRY_MS).unref();
          return;
        }
        this.failWaiting(err);
      },
    );
  }

  private wakeWaiting(): void {
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const r of woken) {
      try {
        r.wake();
      } catch (err) {
        r.fail(err); // one reader's transport failing ends that reader, not the others
      }
    }
  }

  private failWaiting(err: unknown): void {
    const failed = [...this.waiting];
    this.waiting.clear();
    for (const r of failed) r.fail(err);
  }

  private keep(batch: PushBatch): void {
    this.batches.push(batch);
    this.keptBytes += batch.frame.length;
    let n = 0;
    let bytes = this.keptBytes;
    while (n < this.batches.length - 1 && bytes > FEED_BYTES_MAX) bytes -= (this.batches[n++] as PushBatch).frame.length;
    this.drop(n);
  }

  private drop(n: number): void {
    for (const b of this.batches.splice(0, n)) this.keptBytes -= b.frame.length;
  }
}
