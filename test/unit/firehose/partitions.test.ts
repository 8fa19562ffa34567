import { describe, expect, it } from 'vitest';
import { compilePrefixes, Partitions } from 'riffle/internal';

// The partition buffers with hooks the test controls: what the checkpoint (and the log's trim
// cutoff) may pass while objects and error records are being stored.
interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}
const deferred = <T>(): Deferred<T> => {
  let resolve!: (v: T) => void;
  return { promise: new Promise<T>((r) => (resolve = r)), resolve };
};
const STORED = { stored: true as const, key: 'k', bytes: 1 };

function setup() {
  let now = 1_000;
  const writes: Array<{ prefix: string; done: Deferred<typeof STORED> }> = [];
  const errorWrites: Array<{ type: string; lines: string[]; done: Deferred<typeof STORED> }> = [];
  const checkpoints: Array<{ positions: Record<string, number>; cutoffMs: number }> = [];
  const prefixes = compilePrefixes({ prefix: 'p/!{partitionKeyFromQuery:k}/', errorOutputPrefix: 'e/!{firehose:error-output-type}/', dynamicPartitioning: true });
  const settings = { streamName: 's', version: 1, bucket: 'b', format: 'UNCOMPRESSED' as const, extension: '', timeZone: 'UTC', prefixes, retryMs: 1, sizeBytes: 1 << 20, intervalMs: 60_000, delimiter: false };
  const partitions = new Partitions(
    settings,
    {
      write: (batch, s) => {
        const done = deferred<typeof STORED>();
        writes.push({ prefix: s.prefixes.evaluate(0, 'UTC'), done });
        void batch;
        return done.promise;
      },
      writeErrors: (batch, type) => {
        const done = deferred<typeof STORED>();
        errorWrites.push({ type, lines: Buffer.from(batch.body).toString().trim().split('\n'), done });
        return done.promise;
      },
      checkpoint: (positions, cutoffMs) => checkpoints.push({ positions: Object.fromEntries(positions), cutoffMs }),
      delivered: () => undefined,
      keyProblem: () => undefined,
      reread: (reason) => {
        throw new Error(`reread: ${reason}`);
      },
      roomFreed: () => undefined,
      log: () => undefined,
    },
    { now: () => now },
    new Map([['log', 0]]),
  );
  const record = (data: string, arrivalMs: number, k?: string) => ({ data: Buffer.from(data), arrivalMs, ...(k === undefined ? {} : { keys: { query: { k } } }) });
  return { partitions, writes, errorWrites, checkpoints, record, advance: (ms: number) => (now += ms) };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('Partitions: the checkpoint and the trim cutoff', () => {
  it('do not pass a record whose error record is still being stored when another partition is delivered', async () => {
    const t = setup();
    await t.partitions.add({ records: [t.record('b', 100, 'B')], oldestArrivalMs: 100, newestArrivalMs: 100, positions: new Map([['log', 1]]) });
    t.advance(61_000);
    t.partitions.tick();
    expect(t.writes.map((w) => w.prefix)).toEqual(['p/B/']);
    // r1 has no key: partitioning-failed, being stored; r2 goes to A.
    const adding = t.partitions.add({ records: [t.record('r1', 200), t.record('r2', 300, 'A')], oldestArrivalMs: 200, newestArrivalMs: 300, positions: new Map([['log', 3]]) });
    await tick();
    expect(t.errorWrites.map((e) => e.type)).toEqual(['partitioning-failed']);
    t.writes[0]!.done.resolve(STORED); // B is stored while r1's error record is not
    await tick();
    const last = t.checkpoints.at(-1)!;
    expect(last.positions).toEqual({ log: 1 }); // still before r1's unit
    expect(last.cutoffMs).toBeLessThanOrEqual(200);
    t.errorWrites[0]!.done.resolve(STORED);
    await adding;
    // A (r2) still pending: held at the same unit, cutoff at its oldest arrival.
    expect(t.checkpoints.at(-1)).toEqual({ positions: { log: 1 }, cutoffMs: 200 });
    t.advance(61_000);
    t.partitions.tick();
    t.writes[1]!.done.resolve(STORED);
    await tick();
    expect(t.checkpoints.at(-1)).toEqual({ positions: { log: 3 }, cutoffMs: 300 });
  });

  it('keep a partition whose records came while its object was written, and hold at them', async () => {
    const t = setup();
    await t.partitions.add({ records: [t.record('a1', 100, 'A')], oldestArrivalMs: 100, newestArrivalMs: 100, positions: new Map([['log', 1]]) });
    t.advance(61_000);
    t.partitions.tick();
    await t.partitions.add({ records: [t.record('a2', 500, 'A')], oldestArrivalMs: 500, newestArrivalMs: 500, positions: new Map([['log', 2]]) });
    t.writes[0]!.done.resolve(STORED);
    await tick();
    // a2 is due too (500 + 60 s has passed): it is written next; the partition stays active meanwhile.
    expect(t.writes).toHaveLength(2);
    expect(t.partitions.buffered.partitions).toBe(1);
    expect(t.checkpoints.at(-1)).toEqual({ positions: { log: 1 }, cutoffMs: 500 });
    t.writes[1]!.done.resolve(STORED);
    await tick();
    expect(t.partitions.buffered.partitions).toBe(0);
    expect(t.checkpoints.at(-1)).toEqual({ positions: { log: 2 }, cutoffMs: 500 });
  });
});
