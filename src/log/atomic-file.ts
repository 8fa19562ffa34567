/**
 * Replaces a small file atomically: write a temporary file beside it, fsync it, rename it over the
 * old one, fsync the directory. A crash leaves the old file or the new one, never a torn one.
 * Synchronous: metadata and checkpoints are small and written one at a time.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DATA_FILE_MODE } from './data-dir.js';

export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', DATA_FILE_MODE);
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
