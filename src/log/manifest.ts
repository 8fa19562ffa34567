/**
 * The stream manifest of a durable engine: every stream's name, creation time, shard count, mode,
 * retention and tags, in <data dir>/manifest.json. Written atomically (write a temporary file,
 * fsync it, rename it over the old one, fsync the directory), one write at a time, so a crash
 * leaves either the old manifest or the new one. Shard logs live beside it in
 * streams/<name>.<creation ms>/shard-<index>/.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirError } from './data-dir.js';

export interface StoredStream {
  name: string;
  createdMs: number;
  shardCount: number;
  mode: string;
  retentionHours: number;
  tags: Record<string, string>;
  /** Registered consumers (absent in manifests written before enhanced fan-out). */
  consumers?: Array<{ name: string; createdMs: number }>;
}

interface ManifestFile {
  version: 1;
  streams: StoredStream[];
}

export class Manifest {
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, 'manifest.json');
  }

  /** The streams stored; none if there is no manifest yet. Throws if it is unreadable. */
  load(): StoredStream[] {
    if (!existsSync(this.path)) return [];
    let file: ManifestFile;
    try {
      file = JSON.parse(readFileSync(this.path, 'utf8')) as ManifestFile;
    } catch (err) {
      throw new DataDirError(`${this.path} cannot be read (${(err as Error).message}); it is written atomically, so this is not a torn write`);
    }
    if (file.version !== 1 || !Array.isArray(file.streams)) throw new DataDirError(`${this.path} is not a Riffle manifest (version ${String(file.version)})`);
    return file.streams;
  }

  /** Replaces the manifest atomically. Synchronous: metadata changes are rare and small. */
  save(streams: StoredStream[]): void {
    const tmp = `${this.path}.tmp`;
    const bytes = Buffer.from(JSON.stringify({ version: 1, streams } satisfies ManifestFile, null, 1));
    const fd = openSync(tmp, 'w');
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  streamDir(name: string, createdMs: number): string {
    return join(this.dir, 'streams', `${name}.${createdMs}`);
  }

  shardDir(name: string, createdMs: number, index: number): string {
    return join(this.streamDir(name, createdMs), `shard-${index}`);
  }

  removeStream(name: string, createdMs: number): void {
    rmSync(this.streamDir(name, createdMs), { recursive: true, force: true });
  }
}
