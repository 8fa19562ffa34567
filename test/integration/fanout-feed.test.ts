import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Riffle } from 'riffle';
import { FanoutHub, PushBatch, RECORDS_HEADER_BYTES, FEED_BYTES_MAX, READ_BYTES_MAX } from 'riffle/internal';
import type { PushSink, Subscription, Shard, Stream } from 'riffle/internal';

// The shard feed in process, over a real engine (owner threads, real reads): subscriptions at a
// shard's tip share one owner read and one batch per new range; a paused one takes kept batches
// later, or reads for itself once they are gone; the feed keeps at most FEED_BYTES_MAX.
let riffle: Riffle;
let reads = 0;
beforeAll(async () => {
  riffle = await Riffle.start({ workers: 1, throttle: false });
  const plane = riffle.engine.pushReads;
  const real = plane.read.bind(plane);
  plane.read = (...args: Parameters<typeof real>) => {
    reads++;
    return real(...args);
  };
});
afterAll(async () => {
  await riffle.close();
});

/** A sink that keeps what it is given; `open` false makes it report backpressure. */
class Collector implements PushSink {
  readonly batches: PushBatch[] = [];
  open = true;
  ended: { code: string; message: string } | null | undefined;
  push(batch: PushBatch): boolean {
    this.batches.push(batch);
    return this.open;
  }
  end(error: { code: string; message: string } | null): void {
    this.ended = error;
  }
  counters(): number[] {
    return this.batches.flatMap((b) => b.records().map((r) => r.seq));
  }
  data(): string[] {
    return this.batches.flatMap((b) => b.records().map((r) => r.data.toString()));
  }
}

async function setup(name: string, consumers: number): Promise<{ stream: Stream; shard: Shard; subscribe(c: number, sink: PushSink): Promise<Subscription> }> {
  await riffle.kinesis.createStream({ StreamName: name, ShardCount: 1 });
  const engine = riffle.engine;
  const stream = engine.streams.readable({ name });
  const shard = stream.shards[0] as Shard;
  const list = [];
  for (let c = 0; c < consumers; c++) {
    list.push(engine.consumers.register(stream, `c${c}`));
    await new Promise((r) => setTimeout(r, 1)); // CREATING → ACTIVE (AWS allows 5 CREATING at once)
  }
  return {
    stream,
    shard,
    async subscribe(c, sink) {
      const position = await engine.reads.resolvePosition(stream, shard, 'TRIM_HORIZON', undefined, undefined, 'SubscribeToShard');
      return FanoutHub.for(engine).subscribe(list[c] as never, shard, position, sink, 0);
    },
  };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function put(stream: string, from: number, n: number, bytes = 10): Promise<void> {
  const pad = 'z'.repeat(Math.max(0, bytes - 8));
  const out = await riffle.kinesis.putRecords({ StreamName: stream, Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`${String(from + i).padStart(7, '0')}:${pad}`) })) });
  expect(out.FailedRecordCount).toBe(0);
}

const labels = (from: number, n: number, bytes = 10): string[] => Array.from({ length: n }, (_, i) => `${String(from + i).padStart(7, '0')}:${'z'.repeat(Math.max(0, bytes - 8))}`);

describe('shard feed', () => {
  it('reads each new range once for every subscription at the tip, and gives them the same batch', async () => {
    const { subscribe } = await setup('feed-share', 6);
    const sinks = Array.from({ length: 6 }, () => new Collector());
    const subs = await Promise.all(sinks.map((s, c) => subscribe(c, s)));
    await new Promise((r) => setTimeout(r, 20));
    const before = reads;
    for (let p = 0; p < 20; p++) {
      await put('feed-share', p * 100, 100);
      await until(() => sinks.every((s) => s.counters().length === (p + 1) * 100));
    }
    // One read per put for all six: it waits at the owner (READ_FLAG_WAIT) and comes back with
    // the put's records; not one per subscription (120 or more), nor one per acknowledgement.
    expect(reads - before).toBeLessThanOrEqual(22);
    for (const s of sinks) {
      expect(s.data()).toEqual(labels(0, 2000));
      expect(s.batches.length).toBe(sinks[0]?.batches.length);
      s.batches.forEach((b, i) => expect(b).toBe(sinks[0]?.batches[i])); // the same object, the same frame
    }
    for (const sub of subs) sub.end(null);
  });

  it('keeps at most FEED_BYTES_MAX for a paused subscription, which then gets every record once, in order', async () => {
    const { shard, subscribe } = await setup('feed-pause', 2);
    const fast = new Collector();
    const slow = new Collector();
    const subs = [await subscribe(0, fast), await subscribe(1, slow)];
    await put('feed-pause', 0, 10, 1000);
    await until(() => slow.counters().length === 10 && fast.counters().length === 10);
    slow.open = false; // the next batch it is given pauses it, as a full socket would
    const hub = FanoutHub.for(riffle.engine);
    let keptMax = 0;
    const total = 16_000; // 16 MB: twice what the feed keeps
    for (let n = 10; n < total; n += 500) {
      await put('feed-pause', n, Math.min(500, total - n), 1000);
      keptMax = Math.max(keptMax, hub.feed(shard)?.keptFrameBytes ?? 0);
    }
    await until(() => fast.counters().length === total);
    expect(keptMax).toBeGreaterThan(FEED_BYTES_MAX / 2); // kept for the paused one, up to the bound
    expect(keptMax).toBeLessThanOrEqual(FEED_BYTES_MAX + READ_BYTES_MAX);
    expect(slow.counters().length).toBeLessThan(total);
    slow.open = true;
    subs[1]?.resume();
    await until(() => slow.counters().length >= total);
    expect(slow.data()).toEqual(labels(0, total, 1000));
    expect(fast.data()).toEqual(labels(0, total, 1000));
    for (const sub of subs) sub.end(null);
    expect(hub.feed(shard)).toBeUndefined(); // the last subscription gone, the feed and its batches go
  });
});

describe('shard feed, positions past the last record', () => {
  it('does not spin reading for a subscription at the tip while another waits past it', async () => {
    const { stream, shard } = await setup('feed-ahead', 2);
    await put('feed-ahead', 0, 10);
    const engine = riffle.engine;
    const latest = await engine.reads.resolvePosition(stream, shard, 'LATEST', undefined, undefined, 'SubscribeToShard');
    // A waits 50 counters past the last record (a sequence number from the future, or a
    // WebSocket resume after data was lost): the feed moves there and its read waits at the owner.
    const far = new Collector();
    const consumers = [...stream.consumers.values()];
    const hub = FanoutHub.for(engine);
    const subA = hub.subscribe(consumers[0] as never, shard, latest + 50, far, 0);
    await new Promise((r) => setTimeout(r, 20));
    // B at the tip is behind the feed's end, but no record is there: it must wait, not read in a loop.
    const tip = new Collector();
    const subB = hub.subscribe(consumers[1] as never, shard, latest, tip, 0);
    const before = reads;
    await new Promise((r) => setTimeout(r, 200));
    expect(reads - before).toBeLessThan(5);
    await put('feed-ahead', 10, 100);
    await until(() => tip.counters().length === 100);
    expect(tip.data()).toEqual(labels(10, 100));
    await until(() => far.counters().length === 50); // from counter latest + 50 on
    expect(far.data()).toEqual(labels(60, 50));
    subA.end(null);
    subB.end(null);
  });
});

describe('push batch', () => {
  it('is the RECORDS frame of an owner read, and slices by position and bytes', async () => {
    await riffle.kinesis.createStream({ StreamName: 'batch', ShardCount: 1 });
    await put('batch', 0, 50);
    const engine = riffle.engine;
    const stream = engine.streams.readable({ name: 'batch' });
    const shard = stream.shards[0] as Shard;
    const first = await engine.reads.resolvePosition(stream, shard, 'TRIM_HORIZON', undefined, undefined, 'SubscribeToShard');
    const batch = PushBatch.fromRead(shard, await engine.pushReads.read(stream, shard, first, READ_BYTES_MAX, RECORDS_HEADER_BYTES));
    expect(batch.count).toBe(50);
    const f = batch.frame;
    expect([f[0], f[1], f.readUInt16LE(2), f.readUInt32LE(4), f.readUInt32LE(24)]).toEqual([4, 1, 0, 0, 50]);
    const seqs = batch.records().map((r) => r.seq);
    expect(f.readDoubleLE(16)).toBe(seqs[49]); // continuation: the last record's counter
    expect(batch.nextSeq).toBe((seqs[49] as number) + 1);
    expect(batch.bytes).toBe(50 * (10 + 1)); // data and keys, what a consumer is charged
    expect(batch.records().map((r) => [r.key, r.data.toString()])).toEqual(labels(0, 50).map((l) => ['k', l]));
    // The whole batch from its start is the batch itself; a position inside gives a copy from there.
    expect(batch.from(first, Infinity)).toBe(batch);
    const tail = batch.from(seqs[20] as number, Infinity);
    expect(tail.records().map((r) => r.data.toString())).toEqual(labels(20, 30));
    expect([tail.fromSeq, tail.nextSeq, tail.frame.readUInt32LE(24)]).toEqual([seqs[20], batch.nextSeq, 30]);
    // A byte budget cuts at a record boundary, and always gives at least one record.
    const cut = batch.from(seqs[20] as number, 5 * 11);
    expect(cut.records().map((r) => r.data.toString())).toEqual(labels(20, 5));
    expect([cut.nextSeq, cut.continuation]).toEqual([seqs[25], seqs[24]]);
    expect(batch.from(seqs[20] as number, 1).count).toBe(1);
    // A heartbeat has no records and continues after the record before its position.
    const empty = PushBatch.empty(shard, batch.nextSeq, batch.nextSeq, 0);
    expect([empty.count, empty.frame.length, empty.continuation]).toEqual([0, RECORDS_HEADER_BYTES, seqs[49]]);
  });
});
