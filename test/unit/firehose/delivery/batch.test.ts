import { describe, expect, it } from 'vitest';
import { Batch } from '../../../../src/firehose/delivery/batch.js';
import { READ_RECORD_FIXED_BYTES } from '../../../../src/shard/messages.js';

/** A READ reply section as the shard owner lays it out: seq f64, arrival f64, keyLen u16, dataLen u32, key, data. */
function section(records: Array<{ seq: number; arrival: number; key?: string; data: string }>): Buffer {
  const parts = records.map((r) => {
    const key = Buffer.from(r.key ?? 'k');
    const data = Buffer.from(r.data);
    const head = Buffer.alloc(READ_RECORD_FIXED_BYTES);
    head.writeDoubleLE(r.seq, 0);
    head.writeDoubleLE(r.arrival, 8);
    head.writeUInt16LE(key.length, 16);
    head.writeUInt32LE(data.length, 18);
    return Buffer.concat([head, key, data]);
  });
  return Buffer.concat(parts);
}

describe('Batch', () => {
  it('concatenates the records as they are, or one per line, keeping arrivals and every source position', () => {
    const b = new Batch(false, new Map([['s0', 1], ['s1', 7]]));
    expect(b.add('s0', section([{ seq: 1, arrival: 20, data: 'ab' }, { seq: 2, arrival: 10, data: '' }, { seq: 3, arrival: 30, data: 'cd' }]), 3, 4)).toBe(4);
    b.delimiter = true; // UpdateDestination: the records added next
    b.add('s0', section([{ seq: 4, arrival: 40, key: 'longer key', data: 'ef' }]), 1, 5);
    const t = b.take();
    expect(Buffer.from(t.body).toString()).toBe('abcdef\n');
    expect([t.bytes, t.count, t.oldestArrivalMs, t.newestArrivalMs]).toEqual([7, 4, 10, 40]);
    expect([...t.positions]).toEqual([['s0', 5], ['s1', 7]]); // s1 added nothing and is still named
    expect([b.bytes, b.count, b.oldestArrivalMs]).toEqual([0, 0, Infinity]);
  });

  it('puts the parts of a record that splits in its place, and leaves the others as they are', () => {
    const b = new Batch(true, new Map());
    const split = (d: Uint8Array): readonly Uint8Array[] | null => (Buffer.from(d).toString() === 'AGG' ? [Buffer.from('x'), Buffer.from('yy'), Buffer.from('')] : null);
    b.add('s', section([{ seq: 1, arrival: 1, data: 'a' }, { seq: 2, arrival: 2, data: 'AGG' }, { seq: 3, arrival: 3, data: 'b' }]), 3, 4, split);
    const t = b.take();
    expect(Buffer.from(t.body).toString()).toBe('a\nx\nyy\n\nb\n');
    expect(t.count).toBe(5);
  });

  it('refuses a section whose records do not fill it', () => {
    const b = new Batch(false, new Map());
    const s = section([{ seq: 1, arrival: 1, data: 'abc' }]);
    expect(() => b.add('s', Buffer.concat([s, Buffer.from('junk')]), 1, 2)).toThrow(/4 bytes left over/);
  });
});
