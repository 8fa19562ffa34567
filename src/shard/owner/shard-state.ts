import type { ShardLimits } from '../../config.js';
import { RECORD_BYTES_LIMIT } from '../../limits.js';
import { MemoryLog } from '../../log/memory-log.js';
import type { ShardLog } from '../../log/shard-log.js';
import { TokenBucket } from '../token-bucket.js';
import type { CopyBatch } from './copy-batch.js';

/**
 * The first record's counter. Counter 0 is the shard's StartingSequenceNumber, which no record
 * carries (as on AWS, every record's number is above it), so "after the starting sequence number"
 * is a position before the first record: what SubscribeToShard's ContinuationSequenceNumber
 * needs on a shard that has had no record yet.
 */
export const FIRST_COUNTER = 1;

/** The burst allowance of a shard for large records: one record of the largest size any stream takes. */
export const LARGE_RECORD_BURST_BYTES = RECORD_BYTES_LIMIT;
/** ... refilled at the shard's byte rate divided by this (a 10 MiB record every 100 s on a 1 MiB/s shard). */
export const LARGE_RECORD_BURST_REFILL_DIVISOR = 10;

/** One shard as its owner sees it: log, next sequence counter, retention, and its four buckets. */
export class ShardState {
  nextSeq = FIRST_COUNTER;
  /** Closed by a reshard (CLOSE_SHARD): no more records; readable until retention takes them. */
  closed = false;
  /** SHARD_FLAG_LOST: an in-memory shard whose records died with its previous owner; every request is answered LOST. */
  lost = false;
  /** The base word of its counters in the owner's metrics table (shard-metrics.ts); -1: not counted (table full). */
  metrics = -1;
  private lastArrivalMs = 0;
  private readonly writeBytes: TokenBucket;
  private readonly writeRecords: TokenBucket;
  /** What records larger than a second's byte budget draw on beyond it (see admitWrite). */
  private readonly largeBurst: TokenBucket;
  private readonly readBytes: TokenBucket;
  private readonly readCalls: TokenBucket;

  constructor(
    /** The shard's index in its stream (echoed in INGEST acks). */
    readonly index: number,
    public retentionMs: number,
    limits: ShardLimits,
    nowMs: number,
    /** false: an internal log with no write limits (CREATE_SHARD's SHARD_FLAG_UNMETERED). */
    private readonly metered: boolean,
    readonly log: ShardLog = new MemoryLog(),
    /** Where a durable log registers itself when it has records to commit. */
    private readonly dirty: Set<ShardLog> | null = null,
  ) {
    this.writeBytes = new TokenBucket(limits.writeBytesPerSec, nowMs);
    this.writeRecords = new TokenBucket(limits.writeRecordsPerSec, nowMs);
    this.largeBurst = new TokenBucket(limits.writeBytesPerSec / LARGE_RECORD_BURST_REFILL_DIVISOR, nowMs, LARGE_RECORD_BURST_BYTES);
    this.readBytes = new TokenBucket(limits.readBytesPerSec, nowMs);
    this.readCalls = new TokenBucket(limits.readCallsPerSec, nowMs);
  }

  /**
   * Both write quotas must have room for the record, or neither is charged. A record larger than a
   * second's byte budget (a large record: UpdateMaxRecordSize) takes what the budget has and the
   * rest from a burst allowance of its own (LARGE_RECORD_BURST_BYTES, refilled at a tenth of the
   * shard's byte rate), so smaller records go on as the budget refills: AWS "accommodates large
   * records by temporarily bursting beyond its sustained write throughput, then returning to its
   * baseline rate over time" and "you can continue sending smaller records as capacity becomes
   * available". AWS publishes no figures; these are Riffle's (docs/architecture.md).
   */
  admitWrite(bytes: number, nowMs: number): boolean {
    if (!this.metered) return true;
    if (this.writeRecords.peek(nowMs) < 1) return false;
    const budget = this.writeBytes.peek(nowMs);
    if (bytes <= this.writeBytes.capacity) {
      if (budget < bytes) return false;
      this.writeBytes.charge(bytes, nowMs);
    } else {
      const own = Math.max(0, budget);
      if (this.largeBurst.peek(nowMs) < bytes - own) return false;
      this.writeBytes.charge(own, nowMs);
      this.largeBurst.charge(bytes - own, nowMs);
    }
    this.writeRecords.charge(1, nowMs);
    return true;
  }

  admitRead(nowMs: number): boolean {
    if (!this.readBytes.available(nowMs)) return false;
    return this.readCalls.take(1, nowMs);
  }

  chargeRead(bytes: number, nowMs: number): void {
    this.readBytes.charge(bytes, nowMs);
  }

  /**
   * Appends and returns the record's sequence counter; its bytes (key at src[offset..], data right
   * after) are copied when `copies` is flushed, which the owner does before it handles the next
   * message. Counters are dense and strictly increasing, so a record is always numbered above any
   * SequenceNumberForOrdering this shard issued before (the owner refuses one it has not issued
   * yet: see ORDERING_AHEAD).
   */
  append(copies: CopyBatch, offset: number, keyLen: number, dataLen: number, nowMs: number): number {
    const seq = this.nextSeq;
    // Counters travel as float64: past 2^53 they would stop increasing.
    if (seq >= Number.MAX_SAFE_INTEGER) throw new Error('sequence counter exhausted');
    this.nextSeq = seq + 1;
    // Arrival times never go backwards within a shard, even if the wall clock does.
    const arrival = Math.max(nowMs, this.lastArrivalMs);
    this.lastArrivalMs = arrival;
    const at = this.log.reserve(seq, arrival, keyLen, dataLen);
    copies.add(this.log.tailArena, at, offset, keyLen + dataLen);
    this.dirty?.add(this.log);
    return seq;
  }

  /** After recovery: continue above every counter and arrival time on disk. */
  resume(nextSeq: number, lastArrivalMs: number): void {
    this.nextSeq = Math.max(FIRST_COUNTER, nextSeq);
    this.lastArrivalMs = lastArrivalMs;
  }
}
