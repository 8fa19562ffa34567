import { getSystemErrorName } from 'node:util';
import { native } from '../../native/index.js';
import type { FileLog } from '../../log/file-log.js';
import type { ShardLog } from '../../log/shard-log.js';
import type { FsyncMode } from '../owner-init.js';

/** fdatasync threads per native call at most, however many shards an owner writes. */
const SYNC_THREADS_MAX = 64;

/**
 * Group commit: the durable logs with records appended since the last commit are written and
 * (unless --fsync never) synced together, before the owner publishes any reply, so an
 * acknowledged record is on disk. A disk error is thrown out of the worker, so the main thread
 * fails this owner's requests with InternalFailure instead of acknowledging.
 */
export class Committer {
  /** Durable logs with records appended since the last commit (ShardState.append adds to it). */
  readonly dirty = new Set<ShardLog>();
  private syncFds = new Int32Array(16);
  private syncErrs = new Int32Array(16);
  private readonly syncLogs: FileLog[] = [];

  constructor(private readonly fsync: FsyncMode) {}

  commitAll(): void {
    if (this.dirty.size === 0) return;
    for (const log of this.dirty) (log as FileLog).commit();
    if (this.fsync !== 'never') this.syncAll();
    this.dirty.clear();
  }

  /** A deleted shard's log is not committed any more. */
  forget(log: ShardLog): void {
    this.dirty.delete(log);
  }

  /**
   * fdatasync of every log written since its last sync, all at once: the cost of a group commit is
   * one journal commit however many shards this owner writes.
   */
  private syncAll(): void {
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
      if (errno !== 0) throw new Error(`fdatasync of ${log.dir} failed: ${getSystemErrorName(-errno)}`);
      log.markSynced();
    });
  }
}
