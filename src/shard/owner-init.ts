import type { ShardLimits } from '../config.js';

/** What the main thread (pool/) hands each owner (owner/) at start, as workerData. */
export interface OwnerInit {
  requestRing: SharedArrayBuffer;
  replyRing: SharedArrayBuffer;
  throttle: boolean;
  limits: ShardLimits;
  /** SharedClock buffer: the engine's time, shared by every thread. */
  clock: SharedArrayBuffer;
  /** Durable shards only: when acknowledged records are fdatasync-ed (see owner/commit.ts). */
  fsync: FsyncMode;
  /** Durable shards only: segment file size before a new file starts. */
  segmentBytes: number;
  /** Durable shards only: segment file age (by its first record's arrival) before a new file starts. */
  segmentMs: number;
  /** Durable shards only: bytes of recent records per shard kept in memory for reads. */
  hotBytes: number;
  /** This owner's place in the pool (for the server log). */
  index: number;
  /** OwnerHealth buffer (owner-health.ts): set while the owner holds acknowledgements it cannot write yet. */
  health: SharedArrayBuffer;
  /** Durable shards only: segment file descriptors this owner keeps open at most (its share of --open-files). */
  openFiles: number;
  /** shard-metrics.ts table: the owner's counters, per shard and its own, read by the main thread. */
  metrics: SharedArrayBuffer;
  /** false (--no-metrics): no shard gets a slot in the table, so nothing is counted per record. */
  countMetrics: boolean;
}

/**
 * always: every request's records are synced before its reply; group: the replies of every request
 * the owner has in hand share one sync; never: written to the OS, not synced (a crash of the
 * machine, not of the process, can lose acknowledged records).
 */
export type FsyncMode = 'always' | 'group' | 'never';
