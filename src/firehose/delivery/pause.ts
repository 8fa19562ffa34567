/**
 * A wait between retries that stop() can cut short: the object writer's and the HTTP endpoint
 * writer's, so a delivery that is stopped (deleted, shut down) does not sleep out its backoff.
 */
export class Pause {
  private wake: (() => void) | null = null;

  /** Resolves after `ms`, or at once when wake() is called meanwhile. */
  for(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      t.unref();
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  wakeUp(): void {
    this.wake?.();
  }
}
