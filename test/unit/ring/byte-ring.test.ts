// Single-thread ByteRing tests. Producer and consumer are separate ByteRing objects over one SAB,
// as they are in production (one per thread), so no private state is shared between the sides.
import { describe, expect, it } from 'vitest';
import { ByteRing } from '../../../src/ring/byte-ring.js';
import { describeMismatch, fillMessage, messageLength, mix32 } from './seeded-messages.mjs';

const CAPACITY = 4096;
const SEED = 0x1234abcd;

function pair(capacity = CAPACITY): { producer: ByteRing; consumer: ByteRing } {
  const sab = ByteRing.create(capacity);
  return { producer: new ByteRing(sab), consumer: new ByteRing(sab) };
}

/** Reserves, fills with seeded bytes for `index`, and returns the view (not published). */
function reserveMessage(ring: ByteRing, index: number, len: number): Uint8Array {
  const view = ring.reserve(len);
  if (view === null) throw new Error(`reserve(${len}) for message ${index} returned null`);
  fillMessage(SEED, index, view);
  return view;
}

/** Reads one message and asserts it has `len` bytes and message `index`'s contents. */
function expectMessage(ring: ByteRing, index: number, len: number): Uint8Array {
  const view = ring.read();
  expect(view, `message ${index}`).not.toBeNull();
  expect(view!.length).toBe(len);
  const copy = new Uint8Array(len);
  fillMessage(SEED, index, copy);
  expect(Buffer.from(view!).equals(Buffer.from(copy)), `bytes of message ${index}`).toBe(true);
  return view!;
}

const recordBytes = (len: number): number => 4 + Math.ceil(len / 4) * 4;

describe('ByteRing geometry and programmer errors', () => {
  it('reports capacity and maxMessageBytes = capacity/2 - 4', () => {
    const ring = new ByteRing(ByteRing.create(CAPACITY));
    expect(ring.capacity).toBe(4096);
    expect(ring.maxMessageBytes).toBe(2044);
    expect(new ByteRing(ByteRing.create(1 << 16)).maxMessageBytes).toBe(32764);
  });

  it('rejects capacities that are not a power of two in [4096, 2^30]', () => {
    for (const bad of [0, 2048, 4095, 4097, 6144, 4096.5, -4096, Number.NaN, 2 ** 31]) {
      expect(() => ByteRing.create(bad), String(bad)).toThrow(RangeError);
    }
    expect(() => ByteRing.create(8192)).not.toThrow();
  });

  it('refuses a SharedArrayBuffer it did not create', () => {
    expect(() => new ByteRing(new SharedArrayBuffer(384 + 4096))).toThrow(/not made by ByteRing.create/);
  });

  it('throws RangeError for an oversized, negative or fractional length, and accepts maxMessageBytes', () => {
    const { producer, consumer } = pair();
    expect(() => producer.reserve(producer.maxMessageBytes + 1)).toThrow(RangeError);
    expect(() => producer.tryWrite(new Uint8Array(producer.maxMessageBytes + 1))).toThrow(RangeError);
    expect(() => producer.reserve(-1)).toThrow(RangeError);
    expect(() => producer.reserve(1.5)).toThrow(RangeError);
    expect(consumer.read()).toBeNull();

    reserveMessage(producer, 7, producer.maxMessageBytes);
    producer.publish();
    expect(producer.usedBytes()).toBe(CAPACITY / 2);
    expectMessage(consumer, 7, consumer.maxMessageBytes);
  });

  it('refuses to wait while holding unpublished reservations or unreleased reads (would deadlock)', () => {
    const { producer, consumer } = pair();
    producer.reserve(8);
    expect(() => producer.waitForSpace(0)).toThrow(/publish\(\) before waiting/);
    producer.publish();
    expect(consumer.read()).not.toBeNull();
    expect(consumer.read()).toBeNull();
    expect(() => consumer.waitForData(0)).toThrow(/release\(\) before waiting/);
    consumer.release();
    expect(() => consumer.waitForData(0)).not.toThrow();
  });
});

describe('ByteRing single-thread behaviour', () => {
  it('returns null from an empty ring, and publish/release with nothing pending are no-ops', () => {
    const { producer, consumer } = pair();
    expect(consumer.read()).toBeNull();
    producer.publish();
    consumer.release();
    expect(consumer.read()).toBeNull();
    expect(producer.usedBytes()).toBe(0);
    expect(consumer.usedBytes()).toBe(0);
  });

  it('fills until reserve returns null, never growing, then drains in order', () => {
    const { producer, consumer } = pair();
    const len = 12; // 16-byte records: exactly 256 fit
    let n = 0;
    while (producer.reserve(len) !== null) n++;
    expect(n).toBe(CAPACITY / 16);
    // The failed reserve left nothing behind: publishing now shows exactly n records.
    producer.publish();
    expect(producer.usedBytes()).toBe(CAPACITY);
    expect(producer.tryWrite(new Uint8Array(0))).toBe(false);
    expect(producer.reserve(0)).toBeNull();

    let read = 0;
    while (consumer.read() !== null) read++;
    expect(read).toBe(n);
  });

  it('keeps a reserved but unpublished message invisible to read()', () => {
    const { producer, consumer } = pair();
    reserveMessage(producer, 0, 100);
    expect(consumer.read()).toBeNull();
    expect(consumer.usedBytes()).toBe(0);

    producer.publish();
    reserveMessage(producer, 1, 50); // reserved after the publish: still invisible
    expectMessage(consumer, 0, 100);
    expect(consumer.read()).toBeNull();
    expect(consumer.usedBytes()).toBe(recordBytes(100));

    producer.publish();
    expectMessage(consumer, 1, 50);
    expect(consumer.read()).toBeNull();
  });

  it('makes a whole batch visible with one publish, in order', () => {
    const { producer, consumer } = pair();
    const lens = [0, 1, 2, 3, 4, 5, 63, 64, 65, 200];
    lens.forEach((len, i) => reserveMessage(producer, i, len));
    expect(consumer.read()).toBeNull();
    expect(consumer.usedBytes()).toBe(0);

    producer.publish();
    expect(consumer.usedBytes()).toBe(lens.reduce((sum, len) => sum + recordBytes(len), 0));
    lens.forEach((len, i) => expectMessage(consumer, i, len));
    expect(consumer.read()).toBeNull();
  });

  it('allows zero-length messages: a 4-byte record that reads back as an empty view', () => {
    const { producer, consumer } = pair();
    expect(producer.tryWrite(new Uint8Array(0))).toBe(true);
    reserveMessage(producer, 1, 3);
    expect(producer.reserve(0)!.length).toBe(0);
    producer.publish();
    expect(producer.usedBytes()).toBe(4 + 8 + 4);

    expect(consumer.read()!.length).toBe(0);
    expectMessage(consumer, 1, 3);
    expect(consumer.read()!.length).toBe(0);
    expect(consumer.read()).toBeNull();

    // Only zero-length records: capacity/4 of them fill the ring.
    consumer.release();
    let n = 0;
    while (producer.reserve(0) !== null) n++;
    expect(n).toBe(CAPACITY / 4);
  });

  it('frees space only on release(), all read messages with one release', () => {
    const { producer, consumer } = pair();
    const len = 1020; // 1024-byte records: 4 fill the ring
    for (let i = 0; i < 4; i++) reserveMessage(producer, i, len);
    producer.publish();
    expect(producer.reserve(len)).toBeNull();

    expectMessage(consumer, 0, len);
    expectMessage(consumer, 1, len);
    expect(producer.reserve(len)).toBeNull(); // read but not released: still owned by the consumer
    expect(producer.usedBytes()).toBe(CAPACITY);

    consumer.release();
    expect(producer.usedBytes()).toBe(CAPACITY - 2 * 1024);
    reserveMessage(producer, 4, len);
    reserveMessage(producer, 5, len);
    expect(producer.reserve(0)).toBeNull();
    producer.publish();
    for (let i = 2; i < 6; i++) expectMessage(consumer, i, len);
  });

  it('pads the tail and continues at offset 0 when a message does not fit before the end', () => {
    const { producer, consumer } = pair();
    reserveMessage(producer, 0, 1000);
    reserveMessage(producer, 1, 2000); // write cursor at 1004 + 2004 = 3008
    producer.publish();
    const first = expectMessage(consumer, 0, 1000);
    const dataStart = first.byteOffset - 4; // first record sits at data offset 0
    expectMessage(consumer, 1, 2000);
    consumer.release();

    // 1088 bytes left before the end, 1504 needed: pad 1088 and start again at offset 0.
    reserveMessage(producer, 2, 1500);
    producer.publish();
    expect(producer.usedBytes()).toBe(1088 + 1504);
    const wrapped = expectMessage(consumer, 2, 1500);
    expect(wrapped.byteOffset).toBe(dataStart + 4);
    expect(wrapped.buffer).toBe(first.buffer); // a view into the ring, not a copy
    expect(consumer.read()).toBeNull();
    consumer.release();
    expect(consumer.usedBytes()).toBe(0);
  });

  it('does not pad when a record ends exactly at the end of the data area', () => {
    const { producer, consumer } = pair();
    reserveMessage(producer, 0, 2044);
    producer.publish();
    expectMessage(consumer, 0, 2044);
    consumer.release();
    reserveMessage(producer, 1, 2044); // offsets 2048..4095: fits exactly
    reserveMessage(producer, 2, 2044); // back at offset 0, no padding
    producer.publish();
    expect(producer.usedBytes()).toBe(CAPACITY);
    expectMessage(consumer, 1, 2044);
    expectMessage(consumer, 2, 2044);
  });

  it('refuses a wrapping reservation whose padding plus record do not fit, without writing anything', () => {
    const { producer, consumer } = pair();
    reserveMessage(producer, 0, 2044); // offsets 0..2047
    reserveMessage(producer, 1, 1020); // offsets 2048..3071
    producer.publish();
    expectMessage(consumer, 0, 2044);
    consumer.release(); // free: 0..2047 and 3072..4095 (3072 bytes in total)

    // 1024 before the end, then 2048 from offset 0 = 3072 needed: fits exactly.
    expect(producer.reserve(2044)).not.toBeNull();
    producer.publish();
    expectMessage(consumer, 1, 1020);
    expect(consumer.read()!.length).toBe(2044);
    consumer.release();
    expect(consumer.usedBytes()).toBe(0);

    const { producer: p2, consumer: c2 } = pair();
    reserveMessage(p2, 0, 2040);
    reserveMessage(p2, 1, 1024); // offsets 2044..3071
    p2.publish();
    expectMessage(c2, 0, 2040);
    c2.release();
    // 1024 before the end, record 2048 does not fit there; padding + record = 3072 > 3068 free.
    expect(p2.reserve(2044)).toBeNull();
    expect(p2.usedBytes()).toBe(1028);
    // A record that fits before the end still goes there.
    reserveMessage(p2, 2, 1020);
    p2.publish();
    expectMessage(c2, 1, 1024);
    expectMessage(c2, 2, 1020);
    expect(c2.read()).toBeNull();
  });

  it('a ring wrapped on an existing SAB mid-stream resumes at the released position', () => {
    const sab = ByteRing.create(CAPACITY);
    const producer = new ByteRing(sab);
    const consumer = new ByteRing(sab);
    for (let i = 0; i < 3; i++) reserveMessage(producer, i, 10 * i);
    producer.publish();
    expectMessage(consumer, 0, 0);
    consumer.release();
    expectMessage(consumer, 1, 10); // read, not released: a new handle starts after message 0
    const second = new ByteRing(sab);
    expectMessage(second, 1, 10);
    expectMessage(second, 2, 20);
  });

  it('keeps indices right across the 2^31 sign flip and the 2^32 wrap', () => {
    const capacity = 1 << 20;
    const { producer, consumer } = pair(capacity);
    const max = producer.maxMessageBytes;
    let produced = 0;
    let consumed = 0;
    let passedBytes = 0;
    // Seeded lengths in [max/2, max), so padding happens often and ~11k messages pass 2^32 bytes;
    // the first and last bytes of each message carry its index, so skipped, repeated or misplaced
    // records are caught.
    while (passedBytes < 2 ** 32 + 4 * capacity) {
      const len = max / 2 + (mix32(SEED + produced) % (max / 2));
      const view = producer.reserve(len);
      if (view !== null) {
        view[0] = produced & 0xff;
        view[len - 1] = (produced >>> 8) & 0xff;
        passedBytes += recordBytes(len);
        produced++;
        producer.publish();
        expect(producer.usedBytes()).toBeLessThanOrEqual(capacity);
        continue;
      }
      const got = consumer.read();
      expect(got).not.toBeNull();
      expect(got![0]).toBe(consumed & 0xff);
      expect(got![got!.length - 1]).toBe((consumed >>> 8) & 0xff);
      consumed++;
      consumer.release();
    }
    for (let got = consumer.read(); got !== null; got = consumer.read()) {
      expect(got[0]).toBe(consumed & 0xff);
      consumed++;
    }
    consumer.release();
    expect(consumed).toBe(produced);
    expect(consumer.usedBytes()).toBe(0);
  });
});

describe('ByteRing waits (single thread)', () => {
  it('waitForData returns at once when published messages are unread', () => {
    const { producer, consumer } = pair();
    producer.tryWrite(new Uint8Array([1, 2, 3]));
    expect(consumer.read()).not.toBeNull();
    consumer.release();
    producer.tryWrite(new Uint8Array([4]));
    const t0 = performance.now();
    consumer.waitForData(5000); // WRITE moved since the consumer last looked
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(Array.from(consumer.read()!)).toEqual([4]);
  });

  it('waitForSpace returns at once when a release happened since the failed reserve', () => {
    const { producer, consumer } = pair();
    while (producer.reserve(100) !== null);
    producer.publish();
    expect(consumer.read()).not.toBeNull();
    consumer.release();
    const t0 = performance.now();
    producer.waitForSpace(5000);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(producer.reserve(100)).not.toBeNull();
  });

  it('waitForDataAsync and waitForSpaceAsync time out when nothing happens', async () => {
    const { producer, consumer } = pair();
    let t0 = performance.now();
    await consumer.waitForDataAsync(60);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(consumer.read()).toBeNull();

    while (producer.reserve(1000) !== null);
    producer.publish();
    t0 = performance.now();
    await producer.waitForSpaceAsync(60);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(producer.reserve(1000)).toBeNull();
  });

  it('waitForDataAsync wakes on publish long before its timeout', async () => {
    const { producer, consumer } = pair();
    const t0 = performance.now();
    setTimeout(() => producer.tryWrite(new Uint8Array([9])), 20);
    await consumer.waitForDataAsync(10_000);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(Array.from(consumer.read()!)).toEqual([9]);
  });

  it('waitForSpaceAsync wakes on release long before its timeout', async () => {
    const { producer, consumer } = pair();
    while (producer.reserve(1000) !== null);
    producer.publish();
    const t0 = performance.now();
    setTimeout(() => {
      consumer.read();
      consumer.release();
    }, 20);
    await producer.waitForSpaceAsync(10_000);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(producer.reserve(1000)).not.toBeNull();
  });

  // One thread may leave an async wait pending (the loser of a Promise.race) and start another on
  // the same index. The publish must wake the live one: with notify(count 1) the older, abandoned
  // waiter would take the wake-up; with a waiting flag instead of a count, the abandoned wait's
  // exit would clear it and the publish would skip the notify.
  it('wakes the live wait while an older async wait on the same index is still pending', async () => {
    const { producer, consumer } = pair();
    const abandoned = consumer.waitForDataAsync(5_000);
    const t0 = performance.now();
    setTimeout(() => producer.tryWrite(new Uint8Array([7])), 20);
    await consumer.waitForDataAsync(10_000);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(Array.from(consumer.read()!)).toEqual([7]);
    await abandoned;
  });

  it('wakes the live wait after an overlapping async wait has timed out', async () => {
    const { producer, consumer } = pair();
    const abandoned = consumer.waitForDataAsync(10);
    const live = consumer.waitForDataAsync(10_000);
    await abandoned;
    const t0 = performance.now();
    setTimeout(() => producer.tryWrite(new Uint8Array([8])), 20);
    await live;
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(Array.from(consumer.read()!)).toEqual([8]);
  });

  it('the verifier rejects a wrong byte, a wrong length and a wrong index', () => {
    const max = 2044;
    let index = 0;
    while (messageLength(SEED, index, max) < 8) index++;
    const view = new Uint8Array(messageLength(SEED, index, max));
    fillMessage(SEED, index, view);
    expect(describeMismatch(SEED, index, max, view)).toBeNull();
    view[view.length - 1]! ^= 1;
    expect(describeMismatch(SEED, index, max, view)).toMatch(/byte/);
    view[view.length - 1]! ^= 1;
    expect(describeMismatch(SEED, index, max, view.subarray(1))).toMatch(/length/);
    const other = new Uint8Array(view.length);
    fillMessage(SEED, index + 1, other); // same length, another message's bytes (a reordering)
    expect(describeMismatch(SEED, index, max, other)).toMatch(/byte/);
  });
});
