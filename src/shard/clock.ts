/**
 * The engine's clock, shared by the main thread and every shard owner: wall time plus an offset
 * kept in a SharedArrayBuffer. The offset is zero unless a test or a simulation moves time forward
 * (`advance`), which lets retention, iterator expiry and AT_TIMESTAMP be exercised without waiting
 * hours. Every time the engine uses comes from here, so all threads agree.
 */
export class SharedClock {
  private readonly offset: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.offset = new Float64Array(buffer);
  }

  now(): number {
    return Date.now() + (this.offset[0] as number);
  }

  /** Moves this clock (and every thread's view of it) forward; time never goes back. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`SharedClock.advance: ms must be >= 0, got ${ms}`);
    // One writer (the main thread); readers tolerate seeing the old or the new offset.
    this.offset[0] = (this.offset[0] as number) + ms;
  }
}
