/**
 * Latencies of a run (ms), kept in a bounded reservoir: every sample while there are fewer than
 * RESERVOIR, then a uniform sample of them (Vitter's algorithm R), so a long run's memory is bounded.
 */
const RESERVOIR = 200_000;

export class Latencies {
  private readonly samples = new Float64Array(RESERVOIR);
  private n = 0;
  private max = 0;

  constructor(private readonly random: () => number) {}

  add(ms: number): void {
    if (ms > this.max) this.max = ms;
    if (this.n < RESERVOIR) this.samples[this.n] = ms;
    else {
      const j = Math.floor(this.random() * (this.n + 1));
      if (j < RESERVOIR) this.samples[j] = ms;
    }
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  /** p50, p90, p99 and the maximum, ms (0 with no sample). */
  summary(): { p50: number; p90: number; p99: number; max: number } {
    const kept = this.samples.slice(0, Math.min(this.n, RESERVOIR)).sort();
    const at = (q: number) => (kept.length === 0 ? 0 : kept[Math.min(kept.length - 1, Math.floor(q * kept.length))]!);
    const round = (v: number) => Math.round(v * 100) / 100;
    return { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(this.max) };
  }
}
