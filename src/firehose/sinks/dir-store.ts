// The steps that store one object in the directory layout (dir-sink.ts describes the layout),
// synchronous: they run in the sink's worker threads (dir-sink-worker.ts), where a blocking
// fsync stalls nobody; run one after another on the main thread, the two dozen file operations
// of an object each waited for a turn of a busy event loop, and delivery could not keep up.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** Every directory entry starting with this is Riffle's own, never an object. */
export const RESERVED_PREFIX = '.riffle-';
/** A file being written: `.riffle-tmp-<uuid>`, beside the name it will be renamed to. */
export const TEMP_PREFIX = '.riffle-tmp-';
/** The directory, beside the objects, that holds their metadata under the same names. */
export const META_DIR = '.riffle-meta';

export function metaPathOf(path: string): string {
  return join(dirname(path), META_DIR, path.slice(dirname(path).length + 1));
}

/** What a store attempt came to (Error objects do not cross threads: this does). */
export type StoreOutcome = { ok: true } | { ok: false; message: string; conflict: boolean };

/** Creates the directories from `root` down to `dir`; returns the ones it created, top first. */
function makeDirs(root: string, dir: string): string[] {
  const created: string[] = [];
  const first = mkdirSync(root, { recursive: true });
  if (first !== undefined) {
    for (let d = root; ; d = dirname(d)) {
      created.unshift(d);
      if (d === first || d === dirname(d)) break;
    }
  }
  let d = root;
  for (const segment of dir.slice(root.length + 1).split(sep)) {
    d = join(d, segment);
    try {
      mkdirSync(d);
      created.push(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return created;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to a new temp file beside `path`, fsynced; returns the temp file's path. */
function writeTemp(path: string, data: Uint8Array, temps: string[]): string {
  const temp = join(dirname(path), `${TEMP_PREFIX}${randomUUID()}`);
  const fd = openSync(temp, 'wx', 0o644);
  temps.push(temp); // from here on, a failure unlinks it
  try {
    for (let at = 0; at < data.byteLength; ) at += writeSync(fd, data, at, data.byteLength - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

/**
 * Stores `body` as the file `path` (under `root`, names already checked) with its metadata JSON in
 * the sidecar: both written under temp names and fsynced, the sidecar renamed into place and its
 * directories fsynced first (an object is never visible without its metadata, even after a crash),
 * then the object renamed and its directory fsynced. A failure removes what it wrote.
 */
export function storeObject(root: string, path: string, body: Uint8Array, metaJson: string): StoreOutcome {
  const sidecar = metaPathOf(path);
  const temps: string[] = [];
  let placed = false; // the sidecar is in place, the object maybe not
  try {
    const created = makeDirs(root, dirname(sidecar));
    const metaTemp = writeTemp(sidecar, Buffer.from(metaJson), temps);
    const bodyTemp = writeTemp(path, body, temps);
    renameSync(metaTemp, sidecar);
    temps.shift();
    placed = true;
    for (const dir of new Set([...created.map((d) => dirname(d)), dirname(sidecar)])) fsyncDir(dir);
    renameSync(bodyTemp, path);
    temps.shift();
    fsyncDir(dirname(path));
    return { ok: true };
  } catch (err) {
    for (const t of temps) {
      try {
        unlinkSync(t);
      } catch {
        // already gone
      }
    }
    // A sidecar whose name holds no object (the object's rename failed: a directory is there)
    // describes nothing: remove it. Beside an object it may be the object's own: leave it.
    let isFile = false;
    try {
      isFile = lstatSync(path).isFile();
    } catch {
      isFile = false;
    }
    if (placed && !isFile) {
      try {
        unlinkSync(sidecar);
      } catch {
        // already gone
      }
    }
    const code = (err as NodeJS.ErrnoException).code;
    // A key that is a prefix of another (a/b beside a/b/c) can't be both a file and a directory.
    return { ok: false, message: (err as Error).message, conflict: code === 'ENOTDIR' || code === 'EISDIR' };
  }
}

/**
 * Removes the temp files a crash left under `dir` (a bucket's directory): `.riffle-tmp-*` files,
 * also in `.riffle-meta/`, last changed before `beforeMs` (the sweep's start: a put running now
 * writes newer ones). Returns how many it removed. Never follows links.
 */
export function sweepTemps(dir: string, beforeMs: number): number {
  let removed = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0; // not there (yet), or gone
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) removed += sweepTemps(path, beforeMs);
    else if (e.isFile() && e.name.startsWith(TEMP_PREFIX)) {
      try {
        if (lstatSync(path).mtimeMs < beforeMs) {
          unlinkSync(path);
          removed++;
        }
      } catch {
        // gone already
      }
    }
  }
  return removed;
}
