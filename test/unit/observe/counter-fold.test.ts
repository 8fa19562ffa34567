import { describe, expect, it } from 'vitest';
import type { Stream } from '../../../src/engine/model.js';
import { CounterFold } from '../../../src/observe/counter-fold.js';
import { createMetricsBuffer, MetricsReader, MetricsWriter, SHARD } from '../../../src/shard/shard-metrics.js';

/** One owner's table: its writer (the owner's side) and its reader (the main thread's). */
function table() {
  const buffer = createMetricsBuffer();
  return { writer: new MetricsWriter(buffer), reader: new MetricsReader(buffer) };
}
const stream = {} as Stream;
const FIELDS = [SHARD.INCOMING_RECORDS];
const add = (w: MetricsWriter, base: number, n: number) => (w.words[base + SHARD.INCOMING_RECORDS]! += n);

describe('CounterFold', () => {
  it('counts what every owner counted when the shard moved twice between two reads, and when it was never read before', () => {
    for (const readFirst of [true, false]) {
      const fold = new CounterFold(FIELDS);
      const t1 = table();
      const a = t1.writer.claim(7);
      add(t1.writer, a, 10);
      if (readFirst) expect(fold.fold(stream, 7, [t1.reader], a, false)[0]).toBe(10);
      // t1's owner dies; t2 reopens the shard and counts 1; t2 dies; t3 counts 1.
      const t2 = table();
      add(t2.writer, t2.writer.claim(7), 1);
      const t3 = table();
      const c = t3.writer.claim(7);
      add(t3.writer, c, 1);
      expect(fold.fold(stream, 7, [t3.reader, t2.reader, t1.reader], c, false)[0], `read first: ${readFirst}`).toBe(12);
      add(t3.writer, c, 5);
      expect(fold.fold(stream, 7, [t3.reader, t2.reader, t1.reader], c, false)[0]).toBe(17);
      // t1 leaves the pool's list of earlier tables: what it counted stays.
      expect(fold.fold(stream, 7, [t3.reader, t2.reader], c, false)[0]).toBe(17);
    }
  });

  it('keeps a retired shard counted, from its released slot, even when it was never read before; never from a slot another shard took', () => {
    const fold = new CounterFold(FIELDS);
    const t = table();
    const a = t.writer.claim(1);
    add(t.writer, a, 10);
    t.writer.release(a);
    expect(fold.fold(stream, 1, [t.reader], undefined, true)[0]).toBe(10);
    // The slot goes to shard 2, which counts 3: shard 1 stays at 10, shard 2 is 3.
    const b = t.writer.claim(2);
    expect(b).toBe(a);
    add(t.writer, b, 3);
    expect(fold.fold(stream, 1, [t.reader], undefined, true)[0]).toBe(10);
    expect(fold.fold(stream, 2, [t.reader], b, false)[0]).toBe(3);
  });

  it("does not take another shard's counts from a slot reused between the table's scan and the read", () => {
    const fold = new CounterFold(FIELDS);
    const t = table();
    const a = t.writer.claim(1);
    add(t.writer, a, 10);
    expect(fold.fold(stream, 1, [t.reader], a, false)[0]).toBe(10);
    // After the scan found shard 1 at `a`, the owner lets it go and shard 2 takes the slot.
    t.writer.release(a);
    t.writer.claim(2);
    add(t.writer, a, 2);
    expect(fold.fold(stream, 1, [t.reader], a, false)[0]).toBe(10);
    expect(fold.fold(stream, 1, [t.reader], undefined, true)[0]).toBe(10);
  });
});
