/**
 * The data directory's start-up checks: it must be a directory this process can write and sync.
 * Each problem is a DataDirError with a message naming the path; the CLI prints it and exits 2.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_DATA_DIR = './riffle-data';
/** Directories Riffle makes under its data directory, and the data directory itself when it makes it: the owner's only. */
export const DATA_DIR_MODE = 0o700;
/** Every file Riffle writes there (segments, indexes, the manifest, checkpoints, the lock). */
export const DATA_FILE_MODE = 0o600;

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
      mkdirSync(path, { recursive: true, mode: DATA_DIR_MODE });
    } catch (mkdirErr) {
      throw new DataDirError(`data directory ${path} cannot be created (${(mkdirErr as NodeJS.ErrnoException).code ?? (mkdirErr as Error).message})`);
    }
    isDir = true;
  }
  if (!isDir) throw new DataDirError(`data directory ${path} is not a directory`);
  // Write, sync and remove a probe file: permissions alone do not tell (root, read-only mounts).
  const probe = join(path, `.riffle-probe-${process.pid}`);
  try {
    const fd = openSync(probe, 'w', DATA_FILE_MODE);
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
 * Takes the data directory for this process: a `LOCK` file holding our pid and its start time
 * (Linux: /proc/<pid>/stat's starttime), created exclusively. A lock whose process is gone (a
 * crash, kill -9) is taken over, and so is one whose pid now names another process (pids are
 * reused): its start time differs. One held by the live process that wrote it is a DataDirError,
 * since two servers appending to the same segment files would corrupt them. Returns the release
 * function.
 */
export function lockDataDir(path: string): () => void {
  const lock = join(path, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', DATA_FILE_MODE);
      try {
        const started = startTime(process.pid);
        writeSync(fd, started === null ? String(process.pid) : `${process.pid} ${started}`);
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
      const [pidText, startText] = readFileSync(lock, 'utf8').trim().split(/\s+/);
      const holder = Number(pidText);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        // The same process only if it started when the lock says (no start time recorded: assume so).
        const now = startTime(holder);
        if (startText === undefined || now === null || now === startText) {
          throw new DataDirError(`data directory ${path} is in use by process ${holder} (its ${lock})`);
        }
      }
      unlinkSync(lock); // left by a process that is gone: take it over
    }
  }
  throw new DataDirError(`data directory ${path} cannot be locked (another process keeps taking ${lock})`);
}

/** A process's start time, in clock ticks since boot (field 22 of /proc/<pid>/stat); null where there is no /proc. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
