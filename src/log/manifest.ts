/**
 * The stream manifest of a durable engine: every stream's name, creation time, shard count, mode,
 * retention and tags, in <data dir>/manifest.json. Written atomically (write a temporary file,
 * fsync it, rename it over the old one, fsync the directory), one write at a time, so a crash
 * leaves either the old manifest or the new one. Shard logs live beside it in
 * streams/<name>.<creation ms>/shard-<index>/.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { DataDirError } from './data-dir.js';

/** A shard and its lineage (resharding). */
export interface StoredShard {
  index: number;
  /** Hash key range, decimal. */
  start: string;
  end: string;
  createdMs: number;
  parent?: string;
  adjacentParent?: string;
  /** Closed by a reshard at this time. */
  closedMs?: number;
  /**
   * The counter past its last record. Absent on a closed shard: the manifest was written as the
   * reshard took effect, before the shard's owner closed it; its log's next counter is its end.
   */
  endCounter?: number;
  /** Closed longer than the retention period: its log was deleted. */
  retired?: true;
}

export interface StoredStream {
  name: string;
  createdMs: number;
  /** Shards in all (open and closed); with no `shards`, that many uniform shards (older manifests). */
  shardCount: number;
  /** Every shard with its lineage (absent in manifests written before resharding). */
  shards?: StoredShard[];
  /** UpdateShardCount calls of the last 24 hours (ms), for its rolling limit. */
  scalingMs?: number[];
  mode: string;
  retentionHours: number;
  tags: Record<string, string>;
  /** Registered consumers (absent in manifests written before enhanced fan-out). */
  consumers?: Array<{ name: string; createdMs: number; tags?: Record<string, string>; policy?: string }>;
  /** Monitoring, encryption, policy, record size, warm throughput, distribution (absent: the defaults). */
  settings?: {
    shardLevelMetrics?: string[];
    kmsKeyId?: string;
    policy?: string;
    maxRecordSizeKiB?: number;
    warmThroughputMiBps?: number;
    distribution?: string;
  };
}

/** Account-level settings (DescribeAccountSettings). */
export interface StoredAccount {
  commitment?: { status: string; startedMs?: number; endedMs?: number; earliestEndMs?: number };
}

interface ManifestFile {
  version: 1;
  streams: StoredStream[];
  account?: StoredAccount;
}

export class Manifest {
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, 'manifest.json');
  }

  /** The streams stored; none if there is no manifest yet. Throws if it is unreadable. */
  load(): StoredStream[] {
    return this.read().streams;
  }

  /** The account's settings stored, if any. */
  loadAccount(): StoredAccount {
    return this.read().account ?? {};
  }

  private read(): ManifestFile {
    if (!existsSync(this.path)) return { version: 1, streams: [] };
    let file: ManifestFile;
    try {
      file = JSON.parse(readFileSync(this.path, 'utf8')) as ManifestFile;
    } catch (err) {
      throw new DataDirError(`${this.path} cannot be read (${(err as Error).message}); it is written atomically, so this is not a torn write`);
    }
    if (file.version !== 1 || !Array.isArray(file.streams)) throw new DataDirError(`${this.path} is not a Riffle manifest (version ${String(file.version)})`);
    return file;
  }

  /** Replaces the manifest atomically. Synchronous: metadata changes are rare and small. */
  save(streams: StoredStream[], account: StoredAccount = {}): void {
    writeFileAtomic(this.path, Buffer.from(JSON.stringify({ version: 1, streams, account } satisfies ManifestFile, null, 1)));
  }

  streamDir(name: string, createdMs: number): string {
    return join(this.dir, 'streams', `${name}.${createdMs}`);
  }

  shardDir(name: string, createdMs: number, index: number): string {
    return join(this.streamDir(name, createdMs), `shard-${index}`);
  }

  /** A service's own log (engine/internal-logs.ts), e.g. firehose/<name>.<creation ms>/log. */
  internalDir(kind: string, name: string, createdMs: number): string {
    return join(this.dir, kind, `${name}.${createdMs}`, 'log');
  }

  removeInternal(kind: string, name: string, createdMs: number): void {
    rmSync(join(this.dir, kind, `${name}.${createdMs}`), { recursive: true, force: true });
  }

  /** A shard directory left by a reshard that a crash interrupted before the manifest named it. */
  removeShard(name: string, createdMs: number, index: number): void {
    rmSync(this.shardDir(name, createdMs, index), { recursive: true, force: true });
  }

  /**
   * Stream directories the manifest does not name: left by a kill between creating a stream's
   * directories and recording it, or in the middle of a deletion. Removed at start; returns their names.
   */
  removeUnrecorded(streams: readonly StoredStream[]): string[] {
    const root = join(this.dir, 'streams');
    if (!existsSync(root)) return [];
    const keep = new Set(streams.map((s) => `${s.name}.${s.createdMs}`));
    const removed: string[] = [];
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory() || keep.has(entry.name) || !/^[a-zA-Z0-9_.-]+\.\d+$/.test(entry.name)) continue;
      rmSync(join(root, entry.name), { recursive: true, force: true });
      removed.push(entry.name);
    }
    return removed;
  }

  /** Its files; retried a few times, as an owner may be adding a segment meanwhile (ENOTEMPTY). */
  removeStream(name: string, createdMs: number): void {
    rmSync(this.streamDir(name, createdMs), { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }
}
