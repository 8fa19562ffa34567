// The compression pool's worker thread (piscina loads this file from dist/; compress-pool.ts is the
// main thread's side). One task compresses one S3 object: the input arrives moved, not copied, and
// the output goes back the same way.
import { move } from 'piscina';
import { compress, type CompressionFormat } from './formats.js';

/** One task: the object's bytes, moved here by CompressPool.compress (their ArrayBuffer is this thread's now). */
export interface CompressTask {
  format: CompressionFormat;
  data: Uint8Array;
}

/** Piscina unwraps what `move` returns: the main thread receives the Uint8Array, its ArrayBuffer moved. */
export default function compressTask(task: CompressTask): ReturnType<typeof move> {
  return move(transferable(compress(task.format, task.data)));
}

/**
 * `bytes` if it owns all of its ArrayBuffer, else a copy that does. Moving a view moves its whole
 * buffer: a slice of a larger one would carry the rest along, and a Buffer from Node's shared pool
 * would take other Buffers' bytes with it. The containers written here allocate exactly (no copy);
 * only zlib's output can be a slice (GZIP output under one zlib chunk, 16 KiB), so the copy is small.
 */
function transferable(bytes: Uint8Array): Uint8Array {
  const owns = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return owns ? bytes : new Uint8Array(bytes);
}
