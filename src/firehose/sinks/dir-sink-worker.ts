// The directory sink's worker thread (a piscina task): stores one object, synchronously, and says
// how it went (dir-store.ts). Runs beside the compression pool's threads, never on the main thread.
import { storeObject, sweepTemps, type StoreOutcome } from './dir-store.js';

export type StoreTask = { root: string; path: string; body: Uint8Array; metaJson: string } | { sweep: string; beforeMs: number };

export default function store(task: StoreTask): StoreOutcome | number {
  if ('sweep' in task) return sweepTemps(task.sweep, task.beforeMs);
  return storeObject(task.root, task.path, task.body, task.metaJson);
}
