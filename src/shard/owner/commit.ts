import { getSystemErrorName } from 'node:util';
import { native } from '../../native/index.js';
import type { FileLog } from '../../log/file-log.js';
import type { ShardLog } from '../../log/shard-log.js';
import type { FsyncMode } from '../owner-init.js';
import { isTransientIoError, OwnerHealth } from '../owner-health.js';
import type { SharedClock } from '../clock.js';
import { serverLog } from './server-log.js';
import { OWNER, type MetricsWriter } from '../shard-metrics.js';

/** fdatasync threads per native call at most, however many shards an owner writes. */
const SYNC_THREADS_MAX = 64;
/** Waits between attempts while a commit fails with a transient error: writes resume within the last of these. */
const RETRY_WAITS_MS = [1, 5, 10, 25, 50, 100];

/** A failed fdatasync: what it should have made durable may be lost, so it is never retried. */
export class SyncFailedError extends Error {
  override name = 'SyncFailedError';
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Group commit: the durable logs with records appended since the last commit are written and
 * (unless --fsync never) synced together, before the owner publishes any reply, so an
 * acknowledged record is on disk.
 *
 * A commit that fails with an error that passes (EMFILE, ENOSPC: fd-cache.ts bounds the owner's own
 * descriptors, but other code or connections can take the rest) keeps its records staged and is
 * tried again until it works: the owner holds every reply meanwhile (the health word tells the
 * main thread, which refuses new requests with a retryable error) and resumes within 100 ms of the
 * disk taking writes again. Nothing is acknowledged that is not written, nothing is lost. Any other
 * error (a failed fdatasync above all) is thrown out of the worker, and the pool replaces it.
 */
export class Committer {
  /** Durable logs with records appended since the last commit (ShardState.append adds to it). */
  readonly dirty = new Set<ShardLog>();
  private syncFds = new Int32Array(16);
  private syncErrs = new Int32Array(16);
  private readonly syncLogs: FileLog[] = [];

  constructor(
    private readonly fsync: FsyncMode,
    private readonly health: OwnerHealth,
    private readonly clock: SharedClock,
    /** For the server log: 'shard owner 2'. */
    private readonly who: string,
    private readonly metrics: MetricsWriter,
  ) {}

  commitAll(): void {
    if (this.dirty.size === 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        // Logs committed by an attempt that failed later have nothing staged: their commit is a no-op.
        for (const log of this.dirty) (log as FileLog).commit();
        break;
      } catch (err) {
        if (!isTransientIoError(err)) throw err;
        this.holdOn(err as Error, attempt);
      }
    }
    this.metrics.words[OWNER.COMMITS]! += 1;
    if (this.fsync !== 'never') {
      const t0 = performance.now();
      if (this.syncAll() > 0) this.metrics.sync((performance.now() - t0) / 1000);
    }
    this.dirty.clear();
    if (this.health.holding) {
      serverLog(`riffle: ${this.who} writes again after ${this.health.heldFor(this.clock.now())} ms; every held record is stored and acknowledged`);
      this.health.release();
    }
  }

  /** One failed attempt: say so (once), and wait before the next. */
  private holdOn(err: Error, attempt: number): void {
    if (!this.health.holding) {
      this.health.hold(this.clock.now());
      // The server log gets the path and the OS's words; clients get a retryable error without them.
      serverLog(`riffle: ${this.who} cannot write its shard logs (${err.message}); holding its acknowledgements and retrying`);
    }
    Atomics.wait(sleeper, 0, 0, RETRY_WAITS_MS[Math.min(attempt, RETRY_WAITS_MS.length - 1)]);
  }

  /** A deleted shard's log is not committed any more. */
  forget(log: ShardLog): void {
    this.dirty.delete(log);
  }

  /**
   * fdatasync of every log written since its last sync, all at once: the cost of a group commit is
   * one journal commit however many shards this owner writes.
   */
  private syncAll(): number {
    const logs = this.syncLogs;
    logs.length = 0;
    for (const log of this.dirty as Set<FileLog>) if (log.unsyncedFd !== -1) logs.push(log);
    if (logs.length > this.syncFds.length) {
      this.syncFds = new Int32Array(2 * logs.length);
      this.syncErrs = new Int32Array(2 * logs.length);
    }
    logs.forEach((log, i) => (this.syncFds[i] = log.unsyncedFd));
    for (let from = 0; from < logs.length; from += SYNC_THREADS_MAX) {
      const n = Math.min(SYNC_THREADS_MAX, logs.length - from);
      native.fdatasyncAll(this.syncFds.subarray(from, from + n), n, this.syncErrs.subarray(from, from + n));
    }
    logs.forEach((log, i) => {
      const errno = this.syncErrs[i] as number;
      if (errno !== 0) throw new SyncFailedError(`fdatasync of ${log.dir} failed: ${getSystemErrorName(-errno)}`);
      log.markSynced();
    });
    return logs.length;
  }
}
