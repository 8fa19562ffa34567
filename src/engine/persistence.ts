import { lockDataDir, prepareDataDir } from '../log/data-dir.js';
import { Manifest, type StoredAccount, type StoredShard, type StoredStream } from '../log/manifest.js';
import { CONSUMER_STATUS, STREAM_STATUS, type Shard, type Stream } from './model.js';

/**
 * What a durable engine keeps of its streams between runs: the manifest (names, creation times,
 * shard counts, modes, retention, tags, consumers) and where each shard's log lives, under a data
 * directory this process holds locked. An in-memory engine keeps nothing (every method is a no-op).
 */
export class Persistence {
  private constructor(
    private readonly manifest: Manifest | null,
    /** Releases the data directory's lock. */
    readonly unlock: () => void,
  ) {}

  /** Takes the data directory (created if missing, locked against another server), or none. */
  static open(dataDir: string | null): Persistence {
    if (dataDir === null) return new Persistence(null, () => undefined);
    const manifest = new Manifest(dataDir);
    prepareDataDir(manifest.dir, true); // the CLI has checked already; embedders may not have
    return new Persistence(manifest, lockDataDir(manifest.dir));
  }

  get durable(): boolean {
    return this.manifest !== null;
  }

  /** The account's settings, saved with the streams (account-settings.ts keeps them current). */
  account: StoredAccount = {};

  /**
   * The streams recorded by the last run (and the account's settings into `account`). Stream
   * directories the manifest does not name (a kill before a stream was recorded, or during its
   * deletion) are removed, and said so.
   */
  load(): StoredStream[] {
    if (this.manifest === null) return [];
    this.account = this.manifest.loadAccount();
    const streams = this.manifest.load();
    for (const name of this.manifest.removeUnrecorded(streams)) console.log(`riffle: removed streams/${name}: no stream in the manifest is kept there`);
    return streams;
  }

  /** Records the current streams (a deleting stream or consumer is already gone). */
  save(streams: Iterable<Stream>): void {
    if (this.manifest === null) return;
    const stored: StoredStream[] = [];
    for (const s of streams) {
      if (s.status === STREAM_STATUS.DELETING) continue;
      const consumers = [...s.consumers.values()]
        .filter((c) => c.status !== CONSUMER_STATUS.DELETING)
        .map((c) => ({ name: c.name, createdMs: c.createdMs, ...(c.tags.size > 0 ? { tags: Object.fromEntries(c.tags) } : {}), ...(c.policy === null ? {} : { policy: c.policy }) }));
      const st = s.settings;
      stored.push({
        name: s.name,
        createdMs: s.createdMs,
        shardCount: s.shards.length,
        shards: s.shards.map(storedShard),
        scalingMs: [...s.scalingMs],
        mode: s.mode,
        retentionHours: s.retentionHours,
        tags: Object.fromEntries(s.tags),
        consumers,
        settings: {
          shardLevelMetrics: st.shardLevelMetrics,
          ...(st.kmsKeyId === null ? {} : { kmsKeyId: st.kmsKeyId }),
          ...(st.policy === null ? {} : { policy: st.policy }),
          maxRecordSizeKiB: st.maxRecordSizeKiB,
          ...(st.warmThroughput === null ? {} : { warmThroughputMiBps: st.warmThroughput.targetMiBps }),
          distribution: st.distribution,
        },
      });
    }
    this.manifest.save(stored, this.account);
  }

  /** The directory of a shard's log; '' for an in-memory engine (the owner keeps it in memory). */
  shardDir(stream: Stream, index: number): string {
    return this.manifest?.shardDir(stream.name, stream.createdMs, index) ?? '';
  }

  /** The directory of a service's internal log (internal-logs.ts); '' in memory. */
  internalDir(kind: string, name: string, createdMs: number): string {
    return this.manifest?.internalDir(kind, name, createdMs) ?? '';
  }

  removeInternal(kind: string, name: string, createdMs: number): void {
    this.manifest?.removeInternal(kind, name, createdMs);
  }

  /** The data directory of a durable engine (services keep their own files under it), or null. */
  get dir(): string | null {
    return this.manifest?.dir ?? null;
  }

  /** Deletes what an interrupted reshard may have left where a new shard's log goes. */
  removeShardDir(stream: Stream, index: number): void {
    this.manifest?.removeShard(stream.name, stream.createdMs, index);
  }

  /** Deletes a deleted stream's logs. */
  removeStream(stream: Stream): void {
    this.manifest?.removeStream(stream.name, stream.createdMs);
  }
}

function storedShard(s: Shard): StoredShard {
  return {
    index: s.index,
    start: s.range.start.toString(),
    end: s.range.end.toString(),
    createdMs: s.createdMs,
    ...(s.parentShardId === undefined ? {} : { parent: s.parentShardId }),
    ...(s.adjacentParentShardId === undefined ? {} : { adjacentParent: s.adjacentParentShardId }),
    ...(s.closedMs === undefined ? {} : { closedMs: s.closedMs }),
    ...(s.endCounter === undefined ? {} : { endCounter: s.endCounter }),
    ...(s.retired === true ? { retired: true as const } : {}),
  };
}
