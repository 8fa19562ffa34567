/**
 * Waits between retries that stop() can cut short: the object writer's, the HTTP endpoint
 * writer's and the transform's (several at once there), so a delivery that is stopped (deleted,
 * shut down) does not sleep out its backoff.
 */
export class Pause {
  private readonly wakers = new Set<() => void>();

  /** Resolves after `ms`, or at once when wakeUp() is called meanwhile. */
  for(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.wakers.add(done);
    });
  }

  wakeUp(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
