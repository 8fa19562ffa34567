// The main thread's side of transforms: a piscina pool running the users' Lambda handlers
// (handler-worker.ts), never on the main thread. An invocation that does not finish in time is
// aborted (piscina ends the worker running it, so a handler stuck in a loop costs a thread, not
// the server); one that throws is a function error. Bounded: `threads` running, `maxQueue` waiting.
import { randomUUID } from 'node:crypto';
import { Piscina } from 'piscina';
import type { HandlerTask } from './handler-worker.js';

const WORKER_URL = new URL('./handler-worker.js', import.meta.url);

/**
 * What an invocation gave: the handler's answer, or why there is none: it threw ('error'), it did
 * not finish in time ('timeout'), or the pool had no room for it ('busy': nothing ran).
 */
export type Invocation = { ok: true; answer: unknown } | { ok: false; kind: 'error' | 'timeout' | 'busy'; message: string };

export interface HandlerPoolOptions {
  threads: number;
  /** Invocations that may wait for a thread (default 4 per thread). */
  maxQueue?: number;
}

export class HandlerPool {
  private constructor(private readonly piscina: Piscina<HandlerTask, unknown>) {}

  static create(options: HandlerPoolOptions): HandlerPool {
    if (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > 64) throw new RangeError(`HandlerPool threads must be an integer from 1 to 64, got ${String(options.threads)}`);
    const piscina = new Piscina<HandlerTask, unknown>({
      filename: WORKER_URL.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      maxQueue: options.maxQueue ?? 4 * options.threads,
      // A handler's own state stays in its thread between invocations, as in a warm Lambda.
      idleTimeout: Infinity,
    });
    return new HandlerPool(piscina);
  }

  /** Runs `module`'s handler on `event` within `timeoutMs` (AWS: at most 5 minutes). */
  async invoke(module: string, functionArn: string, event: unknown, timeoutMs: number): Promise<Invocation> {
    const functionName = functionArn.slice(functionArn.lastIndexOf(':function:') + ':function:'.length).split(':')[0] ?? functionArn;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const answer = await this.piscina.run({ module, functionName, functionArn, requestId: randomUUID(), deadlineMs: Date.now() + timeoutMs, event }, { signal: abort.signal });
      return { ok: true, answer };
    } catch (err) {
      if (abort.signal.aborted) return { ok: false, kind: 'timeout', message: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` };
      if (/queue is full/i.test((err as Error).message)) return { ok: false, kind: 'busy', message: 'the transform pool is full' };
      return { ok: false, kind: 'error', message: `${(err as Error).name}: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  get threads(): number {
    return this.piscina.options.maxThreads;
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
