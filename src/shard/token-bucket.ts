/**
 * A token bucket refilled continuously at `ratePerSec`, holding at most one second's worth
 * (AWS's per-shard quotas are per-second rates). `take` is all-or-nothing. `charge` may drive the
 * balance negative: GetRecords charges the bytes it actually returned, so a 10 MiB read at 2 MiB/s
 * leaves the shard unreadable for about 4 more seconds, as AWS describes ("subsequent calls made
 * within the next 5 seconds throw ProvisionedThroughputExceededException").
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly ratePerSec: number,
    nowMs: number,
    readonly capacity = ratePerSec,
  ) {
    this.tokens = capacity;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.lastMs) * this.ratePerSec) / 1000);
      this.lastMs = nowMs;
    }
  }

  /** True and deducted when `amount` tokens are available now; false and unchanged otherwise. */
  take(amount: number, nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  /** True when the balance is not negative (nothing is owed). */
  available(nowMs: number): boolean {
    this.refill(nowMs);
    // Refills add up fractional tokens; tolerate float error rather than owe a billionth of a byte.
    return this.tokens >= -1e-6;
  }

  charge(amount: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= amount;
  }

  peek(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }
}
