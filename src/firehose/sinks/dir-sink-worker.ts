// The directory sink's worker thread (a piscina task): stores one object, synchronously, and says
// how it went (dir-store.ts). Runs beside the compression pool's threads, never on the main thread.
import { storeObject, type StoreOutcome } from './dir-store.js';

export interface StoreTask {
  root: string;
  path: string;
  body: Uint8Array;
  metaJson: string;
}

export default function store(task: StoreTask): StoreOutcome {
  return storeObject(task.root, task.path, task.body, task.metaJson);
}
