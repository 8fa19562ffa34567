/**
 * What a durable Firehose keeps between runs, under <data dir>/firehose/: `delivery-streams.json`
 * (every delivery stream's name, creation time, type, version, destination as described, tags,
 * source), and per delivery stream `<name>.<creation ms>/checkpoint.json`, what delivery has
 * stored in the sink (the internal log's next counter; a Kinesis source's per-shard positions).
 * Both are replaced atomically. The internal log itself is in `<name>.<creation ms>/log/`
 * (engine/internal-logs.ts). An in-memory Firehose keeps nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../log/atomic-file.js';
import { DELIVERY_STREAM_STATUS, type DeliveryStream, type HttpEndpointSettings, type KinesisSource, type S3DestinationDescription } from './model.js';
import { DATA_DIR_MODE } from '../log/data-dir.js';

export interface StoredDeliveryStream {
  name: string;
  createdMs: number;
  type: string;
  versionId: number;
  lastUpdateMs?: number;
  destination: S3DestinationDescription;
  /** An HTTP endpoint destination (its access key too: this file is the server's own, 0600). */
  http?: HttpEndpointSettings;
  tags: Record<string, string>;
  source?: KinesisSource;
}

/** Delivery's progress: the internal log's counter to deliver from, or a Kinesis source's shard positions. */
export interface Checkpoint {
  nextSeq: number;
  /** Kinesis source: per shard id, the counter to read from next. */
  shards?: Record<string, number>;
}

interface StoreFile {
  version: 1;
  deliveryStreams: StoredDeliveryStream[];
}

export class FirehoseStore {
  /** Every checkpoint, also for an in-memory Firehose (a delivery started again goes on from it). */
  private readonly checkpoints = new Map<string, Checkpoint>();

  private constructor(private readonly dir: string | null) {}

  /** `dataDir`: the engine's data directory (durable), or null (in memory). */
  static open(dataDir: string | null): FirehoseStore {
    const dir = dataDir === null ? null : join(dataDir, 'firehose');
    if (dir !== null) mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
    return new FirehoseStore(dir);
  }

  get durable(): boolean {
    return this.dir !== null;
  }

  private get path(): string {
    return join(this.dir as string, 'delivery-streams.json');
  }

  load(): StoredDeliveryStream[] {
    if (this.dir === null || !existsSync(this.path)) return [];
    let file: StoreFile;
    try {
      file = JSON.parse(readFileSync(this.path, 'utf8')) as StoreFile;
    } catch (err) {
      throw new Error(`${this.path} cannot be read (${(err as Error).message}); it is written atomically, so this is not a torn write`);
    }
    if (file.version !== 1 || !Array.isArray(file.deliveryStreams)) throw new Error(`${this.path} is not a Riffle Firehose store (version ${String(file.version)})`);
    return file.deliveryStreams;
  }

  /** Records every delivery stream that is not being deleted. */
  save(streams: Iterable<DeliveryStream>): void {
    if (this.dir === null) return;
    const deliveryStreams: StoredDeliveryStream[] = [];
    for (const d of streams) {
      if (d.status === DELIVERY_STREAM_STATUS.DELETING) continue;
      const s: StoredDeliveryStream = { name: d.name, createdMs: d.createdMs, type: d.type, versionId: d.versionId, destination: d.destination, tags: Object.fromEntries(d.tags) };
      if (d.lastUpdateMs !== undefined) s.lastUpdateMs = d.lastUpdateMs;
      if (d.source !== undefined) s.source = d.source;
      if (d.http !== undefined) s.http = d.http;
      deliveryStreams.push(s);
    }
    writeFileAtomic(this.path, Buffer.from(JSON.stringify({ version: 1, deliveryStreams } satisfies StoreFile, null, 1)));
  }

  private streamDir(name: string, createdMs: number): string {
    return join(this.dir as string, `${name}.${createdMs}`);
  }

  checkpoint(name: string, createdMs: number): Checkpoint | undefined {
    const key = `${name}.${createdMs}`;
    const known = this.checkpoints.get(key);
    if (known !== undefined || this.dir === null) return known;
    const path = join(this.streamDir(name, createdMs), 'checkpoint.json');
    if (!existsSync(path)) return undefined;
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
    this.checkpoints.set(key, stored);
    return stored;
  }

  saveCheckpoint(name: string, createdMs: number, checkpoint: Checkpoint): void {
    if (this.dir !== null) {
      const dir = this.streamDir(name, createdMs);
      mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
      writeFileAtomic(join(dir, 'checkpoint.json'), Buffer.from(JSON.stringify(checkpoint)));
    }
    this.checkpoints.set(`${name}.${createdMs}`, checkpoint);
  }

  /**
   * Deletes the files of delivery streams that are no longer recorded: a deletion the last run did
   * not finish (it is recorded before it is answered, its files go later). Returns their names.
   */
  removeUnrecorded(stored: readonly StoredDeliveryStream[]): string[] {
    if (this.dir === null) return [];
    const keep = new Set(stored.map((s) => `${s.name}.${s.createdMs}`));
    const removed: string[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || keep.has(entry.name) || !/^[a-zA-Z0-9_.-]+\.\d+$/.test(entry.name)) continue;
      rmSync(join(this.dir, entry.name), { recursive: true, force: true });
      removed.push(entry.name);
    }
    return removed;
  }

  /** Deletes a deleted delivery stream's files (its checkpoint; its log too, if still there). */
  remove(name: string, createdMs: number): void {
    this.checkpoints.delete(`${name}.${createdMs}`);
    if (this.dir === null) return;
    rmSync(this.streamDir(name, createdMs), { recursive: true, force: true });
  }
}
