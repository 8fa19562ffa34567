/**
 * A deadline for a task run in a worker pool that counts from when the task starts in its thread
 * (the thread writes the wall time into `started[0]`), not from when it was queued: the transform
 * handlers' pool and the jq pool. When it passes, `signal` aborts (piscina then ends the thread).
 */
export class RunDeadline {
  readonly started = new Float64Array(new SharedArrayBuffer(8));
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.timer = setTimeout(() => this.check(), timeoutMs);
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get passed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Ms since the task started in its thread (0: it never did). */
  get ranMs(): number {
    return this.started[0] === 0 ? 0 : Date.now() - this.started[0]!;
  }

  private check(): void {
    const since = this.ranMs;
    if (since >= this.timeoutMs) this.abort.abort();
    else this.timer = setTimeout(() => this.check(), this.timeoutMs - since);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
