import { ByteRing } from '../../ring/byte-ring.js';
import { SharedClock } from '../clock.js';
import { HEADER_BYTES, writeHeader, type Header } from '../messages.js';
import type { OwnerInit } from '../owner-init.js';
import { WireWriter } from '../wire.js';
import { Committer } from './commit.js';
import { OwnerHealth } from '../owner-health.js';
import { CopyBatch } from './copy-batch.js';
import { MetricsWriter } from '../shard-metrics.js';
import type { ShardState } from './shard-state.js';

/** A READ_FLAG_WAIT read that found nothing, waiting for the shard's next commit. */
export interface ParkedRead {
  h: Header;
  fromSeq: number;
  limit: number;
  maxBytes: number;
}

/** Everything one shard owner thread holds: its rings, its shards, and what the next commit owes. */
export class OwnerContext {
  readonly requests: ByteRing;
  readonly replies: ByteRing;
  readonly clock: SharedClock;
  readonly shards = new Map<number, ShardState>();
  readonly copies = new CopyBatch();
  readonly committer: Committer;
  /** Counters the main thread reads (shard-metrics.ts). */
  readonly metrics: MetricsWriter;
  /** READ_FLAG_WAIT reads that found nothing, by shard gid, answered after the next commit that appends there. */
  readonly parked = new Map<number, ParkedRead[]>();
  /** Shards appended to since the last commit. */
  readonly appended = new Set<number>();
  /** Damaged segments already reported (each is reported once, however many reads reach it). */
  readonly reported = new Set<string>();

  constructor(readonly init: OwnerInit) {
    this.requests = new ByteRing(init.requestRing);
    this.replies = new ByteRing(init.replyRing);
    this.clock = new SharedClock(init.clock);
    this.metrics = new MetricsWriter(init.metrics);
    this.committer = new Committer(init.fsync, new OwnerHealth(init.health), this.clock, `shard owner ${init.index}`, this.metrics);
  }

  /**
   * A reply of `extra` bytes after the header, its header written. When the reply ring is full the
   * owner commits and publishes what it has, then waits (blocking this worker only) while the main
   * thread drains the ring.
   */
  reply(h: Header, status: number, extra = 0): WireWriter {
    const len = HEADER_BYTES + extra;
    for (;;) {
      const slot = this.replies.reserve(len);
      if (slot !== null) {
        const w = new WireWriter(slot);
        writeHeader(w, h.type, status, h.requestId);
        return w;
      }
      this.committer.commitAll();
      this.replies.publish();
      this.replies.waitForSpace(50);
    }
  }
}
