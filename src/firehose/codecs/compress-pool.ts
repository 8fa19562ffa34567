// The main thread's side of compression: a fixed piscina pool running compress-worker.ts, so
// compressing a buffered object (up to ~128 MiB) never blocks the event loop. Bounded: at most
// `threads` tasks running and `maxQueue` waiting; past that compress() rejects at once with
// CompressPoolFullError, which the caller retries later (the delivery keeps its buffer meanwhile).
import { Piscina } from 'piscina';
import type { CompressTask } from './compress-worker.js';
import type { CompressionFormat } from './formats.js';

/** Pool sizes a caller may ask for (a delivery stream's codec work, not one thread per core and more). */
export const COMPRESS_THREADS_MIN = 1;
export const COMPRESS_THREADS_MAX = 64;
/** Waiting tasks allowed per thread when the caller names no maxQueue. */
export const COMPRESS_QUEUE_PER_THREAD = 4;

/**
 * The pool has `threads` tasks running and `maxQueue` waiting. An operating condition, not a bug:
 * the input was not taken (still the caller's, not detached), so the same call can be retried.
 */
export class CompressPoolFullError extends Error {
  readonly code = 'CompressPoolFull';
  readonly retryable = true;
  constructor(readonly inFlight: number) {
    super(`compression pool is full (${inFlight} objects running or queued); retry when one finishes`);
    this.name = 'CompressPoolFullError';
  }
}

export interface CompressPoolOptions {
  /** Worker threads, COMPRESS_THREADS_MIN..COMPRESS_THREADS_MAX. No default: the caller knows the machine. */
  threads: number;
  /** Tasks that may wait for a thread, 0..1024; default threads * COMPRESS_QUEUE_PER_THREAD. */
  maxQueue?: number;
}

const MAX_QUEUE_MAX = 1024;
// Resolved beside this file, as shard/pool/owner-pool.ts finds its worker: tsc keeps src/'s layout
// in dist/, and a worker thread can only load the compiled .js.
const WORKER_URL = new URL('./compress-worker.js', import.meta.url);

export class CompressPool {
  /** Tasks accepted and not yet settled; its size is what the bound counts. */
  readonly #inFlight = new Set<Promise<Uint8Array>>();
  /** Callers refused with CompressPoolFullError, waiting for a slot (one per waiting delivery: bounded by them). */
  readonly #freeWaiters: Array<() => void> = [];
  #closed = false;

  private constructor(
    private readonly piscina: Piscina<CompressTask, Uint8Array>,
    /** Worker threads doing the compression (a benchmark counts them as the CPU the pool uses beside the main thread). */
    readonly threads: number,
    /** Tasks that may wait for a thread before compress() rejects with CompressPoolFullError. */
    readonly maxQueue: number,
  ) {}

  /** Starts the pool's threads. Throws RangeError naming the option when `threads` or `maxQueue` is out of range. */
  static create(options: CompressPoolOptions): CompressPool {
    const { threads } = options;
    if (!Number.isInteger(threads) || threads < COMPRESS_THREADS_MIN || threads > COMPRESS_THREADS_MAX) {
      throw new RangeError(`CompressPool threads must be an integer from ${COMPRESS_THREADS_MIN} to ${COMPRESS_THREADS_MAX}, got ${String(threads)}`);
    }
    const maxQueue = options.maxQueue ?? threads * COMPRESS_QUEUE_PER_THREAD;
    if (!Number.isInteger(maxQueue) || maxQueue < 0 || maxQueue > MAX_QUEUE_MAX) {
      throw new RangeError(`CompressPool maxQueue must be an integer from 0 to ${MAX_QUEUE_MAX}, got ${String(maxQueue)}`);
    }
    const piscina = new Piscina<CompressTask, Uint8Array>({
      filename: WORKER_URL.href,
      minThreads: threads,
      maxThreads: threads,
      // The same bound piscina enforces itself; compress() checks first so the error is ours.
      maxQueue,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    return new CompressPool(piscina, threads, maxQueue);
  }

  /**
   * `data` compressed as `format`, by a worker thread. UNCOMPRESSED resolves to `data` itself
   * without going to the pool.
   *
   * The caller gives `data` up: its ArrayBuffer is moved to the worker (not copied), so from this
   * call on `data`, and every other view on that buffer, must not be used (it reads as empty once
   * moved). Hence `data` must be a Uint8Array that owns all of a (non-shared) ArrayBuffer, offset 0:
   * a view on part of a larger buffer, or a small Buffer from Node's shared pool, would give away
   * bytes that are not the object's; copy such input first (`new Uint8Array(view)`).
   *
   * Rejects with CompressPoolFullError when `threads` tasks run and `maxQueue` wait: `data` is then
   * untouched and the same call can be retried later. Rejects with an Error after close().
   */
  compress(format: CompressionFormat, data: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new Error('CompressPool is closed'));
    if (format === 'UNCOMPRESSED') return Promise.resolve(data);
    const buffer = data.buffer;
    if (!(buffer instanceof ArrayBuffer) || data.byteOffset !== 0 || data.byteLength !== buffer.byteLength) {
      return Promise.reject(new TypeError(
        `CompressPool.compress moves its input: data must own all of an ArrayBuffer (got ${data.byteLength} bytes at offset ${data.byteOffset} of a ${buffer.byteLength}-byte ${buffer.constructor.name})`,
      ));
    }
    if (this.#inFlight.size >= this.threads + this.maxQueue) return Promise.reject(new CompressPoolFullError(this.#inFlight.size));
    const task = this.piscina.run({ format, data }, { transferList: [buffer] }).catch((error: unknown) => {
      // Piscina's own bound (never reached while the check above holds, but its wording is not ours).
      if (error instanceof Error && error.message === 'Task queue is at limit') throw new CompressPoolFullError(this.#inFlight.size);
      throw error;
    });
    this.#inFlight.add(task);
    const settled = (): void => {
      this.#inFlight.delete(task);
      // A slot freed: every caller refused as full checks again (one that has stopped waiting, or
      // loses the slot to another, must not leave the rest asleep with nothing left to wake them).
      for (const wake of this.#freeWaiters.splice(0)) wake();
    };
    task.then(settled, settled);
    return task;
  }

  /** Resolves once a task the pool holds now has settled (at once if there is room): compress() may then take one more, or refuse again if another caller took it first. */
  whenFree(): Promise<void> {
    if (this.#closed || this.#inFlight.size < this.threads + this.maxQueue) return Promise.resolve();
    return new Promise((resolve) => this.#freeWaiters.push(resolve));
  }

  /** Tasks accepted and not yet finished (running or waiting). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Tasks finished since the pool started. */
  get completed(): number {
    return this.piscina.completed;
  }

  /** The share of the threads' time spent running tasks since the pool started (piscina's measure, 0..1). */
  get utilization(): number {
    return this.piscina.utilization;
  }

  /** Refuses new work, lets the accepted tasks finish (their promises settle as usual), then stops the threads. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#freeWaiters.splice(0)) wake();
    await Promise.allSettled([...this.#inFlight]);
    await this.piscina.close();
  }
}
