/**
 * The data directory's start-up checks: it must be a directory this process can write and sync.
 * Each problem is a DataDirError with a message naming the path; the CLI prints it and exits 2.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_DATA_DIR = './riffle-data';

export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

/** Checks `path`; creates it first when `create` (the default directory) and it is missing. */
export function prepareDataDir(path: string, create: boolean): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new DataDirError(`data directory ${path} cannot be read (${code ?? (err as Error).message})`);
    if (!create) throw new DataDirError(`data directory ${path} does not exist (create it first, or leave --data-dir out to use ${DEFAULT_DATA_DIR})`);
    try {
      mkdirSync(path, { recursive: true });
    } catch (mkdirErr) {
      throw new DataDirError(`data directory ${path} cannot be created (${(mkdirErr as NodeJS.ErrnoException).code ?? (mkdirErr as Error).message})`);
    }
    isDir = true;
  }
  if (!isDir) throw new DataDirError(`data directory ${path} is not a directory`);
  // Write, sync and remove a probe file: permissions alone do not tell (root, read-only mounts).
  const probe = join(path, `.riffle-probe-${process.pid}`);
  try {
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'riffle');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (err) {
    throw new DataDirError(`data directory ${path} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * Takes the data directory for this process: a `LOCK` file holding our pid, created exclusively.
 * A lock whose process is gone (a crash, kill -9) is taken over; one held by a live process is a
 * DataDirError, since two servers appending to the same segment files would corrupt them.
 * Returns the release function.
 */
export function lockDataDir(path: string): () => void {
  const lock = join(path, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      try {
        writeSync(fd, String(process.pid));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(lock);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirError(`data directory ${path} cannot be locked (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new DataDirError(`data directory ${path} is in use by process ${holder} (its ${lock})`);
      }
      unlinkSync(lock); // left by a process that is gone: take it over
    }
  }
  throw new DataDirError(`data directory ${path} cannot be locked (another process keeps taking ${lock})`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
