// The main thread's side of transforms: a piscina pool running the users' Lambda handlers
// (handler-worker.ts), never on the main thread. An invocation that does not finish in time is
// aborted (piscina ends the worker running it, so a handler stuck in a loop costs a thread, not
// the server); one that throws is a function error. Bounded: `threads` running; what waits is what
// the delivery streams' stages send (at most two units per pool thread each).
import { randomUUID } from 'node:crypto';
import { Piscina } from 'piscina';
import type { InvocationIn, RecordIn } from './contract.js';
import type { HandlerTask } from './handler-worker.js';
import { RunDeadline } from '../run-deadline.js';

const WORKER_URL = new URL('./handler-worker.js', import.meta.url);

/**
 * What an invocation gave: the handler's answer, or why there is none: it threw ('error'), it did
 * not finish in time ('timeout'), or it never started ('busy': the pool refused it or was closing).
 */
export type Invocation = ({ ok: true; answer: unknown } | { ok: false; kind: 'error' | 'timeout' | 'busy'; message: string }) & {
  /** How long the handler ran (from its start in its thread, not its wait in the queue), ms. */
  ms?: number;
};

export interface HandlerPoolOptions {
  threads: number;
  /** Invocations that may wait for a thread (default 4 per thread; piscina does not count those with an abort signal, as all are: what waits is what the stages send). */
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
      // One invocation per thread at a time, as in a Lambda execution environment. (A thread cannot
      // hold its next one meanwhile: piscina gives a thread running an abortable task no other, as
      // the abort ends the thread.)
      // A handler's own state stays in its thread between invocations, as in a warm Lambda.
      idleTimeout: Infinity,
    });
    return new HandlerPool(piscina);
  }

  /**
   * Runs `module`'s handler on the event of `inv` within `timeoutMs` of its start (AWS: at most 5
   * minutes). The records' data go to the thread in one buffer, moved rather than copied, and the
   * event is made there.
   */
  async invoke(module: string, functionArn: string, inv: InvocationIn, timeoutMs: number): Promise<Invocation> {
    const functionName = functionArn.slice(functionArn.lastIndexOf(':function:') + ':function:'.length).split(':')[0] ?? functionArn;
    const n = inv.records.length;
    const lengths = new Uint32Array(n);
    const arrivals = new Float64Array(n);
    const ids = new Array<string>(n);
    let total = 0;
    let kinesis: Array<RecordIn['kinesis']> | undefined;
    inv.records.forEach((r, i) => {
      lengths[i] = r.data.length;
      arrivals[i] = r.arrivalMs;
      ids[i] = r.recordId;
      total += r.data.length;
      if (r.kinesis !== undefined) (kinesis ??= new Array(n))[i] = r.kinesis;
    });
    const data = new Uint8Array(total);
    let at = 0;
    for (const r of inv.records) {
      data.set(r.data, at);
      at += r.data.length;
    }
    const { records: _records, ...head } = inv;
    // From when the handler starts, not while it waits in the pool's queue.
    const deadline = new RunDeadline(timeoutMs);
    const task: HandlerTask = { module, functionName, functionArn, requestId: randomUUID(), timeoutMs, started: deadline.started, head, ids, arrivals, lengths, data, ...(kinesis === undefined ? {} : { kinesis }) };
    try {
      const answer = await this.piscina.run(task, { signal: deadline.signal, transferList: [data.buffer] });
      return { ok: true, answer, ms: deadline.ranMs };
    } catch (err) {
      if (deadline.passed) return { ok: false, kind: 'timeout', message: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, ms: timeoutMs };
      // Never started (the pool refused it, or was closing): nothing ran, it may be sent again.
      if (deadline.started[0] === 0) return { ok: false, kind: 'busy', message: 'the transform pool did not run it' };
      return { ok: false, kind: 'error', message: `${(err as Error).name}: ${(err as Error).message}`, ms: deadline.ranMs };
    } finally {
      deadline.clear();
    }
  }

  get threads(): number {
    return this.piscina.options.maxThreads;
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
