import type { Stream } from '../engine/model.js';
import type { MetricsReader } from '../shard/shard-metrics.js';

/**
 * Keeps each shard's counters monotonic while its counts move between owner tables
 * (shard/shard-metrics.ts). A shard is counted in one table at a time, but over its life in
 * several: its owner's, then each replacement's after a death (a dead owner's table stays
 * readable, and the pool keeps the last few), and its owner's released slot once retention
 * retired it (the slot keeps its final counts until it is reused). The fold remembers, per shard
 * and per table, the largest counts it read there, and reports their sum: gids are never reused, so
 * no count is taken twice, and none goes back.
 *
 * A slot's counts are taken only if the slot still holds the shard after they were read (a slot
 * released and claimed by another shard between the table's scan and the read would show that
 * shard's counts).
 */
export class CounterFold {
  /** Per stream, per shard gid, per table: where its slot is (-1: not there) and the largest counts read from it. */
  private readonly seen = new WeakMap<Stream, Map<number, Map<MetricsReader, { base: number; values: Float64Array }>>>();

  constructor(
    /** The slot words to fold, in the order of the counts returned. */
    private readonly fields: readonly number[],
  ) {}

  /**
   * `tables`: the owner's current table first, then the tables of the owners it replaced, newest
   * first. `liveBase`: the shard's live slot in the current table, when it has one (else its slot
   * there, if released, is looked for). `retired`: the shard is gone for good; once its slots
   * have been looked for, they are not looked for again (a scan of the table per retired shard and
   * scrape would grow with the stream's history).
   */
  fold(stream: Stream, gid: number, tables: readonly MetricsReader[], liveBase: number | undefined, retired: boolean): Float64Array {
    let byGid = this.seen.get(stream);
    if (byGid === undefined) this.seen.set(stream, (byGid = new Map()));
    let byTable = byGid.get(gid);
    if (byTable === undefined) byGid.set(gid, (byTable = new Map()));
    const n = this.fields.length;
    const fresh = new Float64Array(n);
    tables.forEach((table, i) => {
      const hint = i === 0 ? liveBase : undefined;
      let at = byTable.get(table);
      // A dead owner's table never changes: where the shard is in it is looked up once.
      if (at === undefined) byTable.set(table, (at = { base: hint ?? table.slotOf(gid), values: new Float64Array(n) }));
      else if (hint !== undefined) at.base = hint;
      // Not found in the current table yet (its replacement is still reopening it): look again.
      else if (i === 0 && at.base === -1 && !retired) at.base = table.slotOf(gid);
      if (at.base < 0) return;
      for (let f = 0; f < n; f++) fresh[f] = table.read(at.base, this.fields[f]!);
      if (!table.holds(at.base, gid)) {
        at.base = -2; // reused by another shard: what was read before stays, and the slot is not looked for again
        return;
      }
      for (let f = 0; f < n; f++) if (fresh[f]! > at.values[f]!) at.values[f] = fresh[f]!;
    });
    const out = new Float64Array(n);
    for (const { values } of byTable.values()) for (let f = 0; f < n; f++) out[f]! += values[f]!;
    return out;
  }
}
