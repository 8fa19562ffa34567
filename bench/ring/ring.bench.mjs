// ByteRing throughput, side by side in one run: batch size 1 vs 32, and one thread vs two.
// Run after `npx tsc -p tsconfig.json`:  node bench/ring/ring.bench.mjs
// Each case checks its output (message count and a running sum of first bytes) before its time
// is printed, so a broken ring cannot post a good number. Quote the ratios, not the absolute times.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ByteRing } from 'riffle/internal';

const CAPACITY = 1 << 16;
const MESSAGES = 1_000_000;
const WAIT_MS = 1_000;

if (!isMainThread) {
  // Two-thread case, worker side: produce MESSAGES of `size` bytes in batches of `batch`.
  const { sab, size, batch } = workerData;
  const ring = new ByteRing(sab);
  let unpublishedBytes = 0;
  for (let i = 0; i < MESSAGES; ) {
    const view = ring.reserve(size);
    if (view === null) {
      ring.publish();
      unpublishedBytes = 0;
      ring.waitForSpace(WAIT_MS);
      continue;
    }
    if (size > 0) view[0] = i & 0xff;
    i++;
    unpublishedBytes += size + 4;
    // Publish per `batch` messages, and at least every quarter ring, so that one batch of large
    // messages never holds the whole ring back from the consumer.
    if (i % batch === 0 || unpublishedBytes >= CAPACITY / 4) {
      ring.publish();
      unpublishedBytes = 0;
    }
  }
  ring.publish();
  parentPort.postMessage('done');
} else {
  const expectedSum = (() => {
    let sum = 0;
    for (let i = 0; i < MESSAGES; i++) sum += i & 0xff;
    return sum;
  })();

  const singleThread = (size, batch) => {
    const sab = ByteRing.create(CAPACITY);
    const producer = new ByteRing(sab);
    const consumer = new ByteRing(sab);
    let sum = 0;
    let read = 0;
    const t0 = performance.now();
    for (let i = 0; i < MESSAGES; ) {
      const view = producer.reserve(size);
      if (view !== null) {
        if (size > 0) view[0] = i & 0xff;
        i++;
        if (i % batch !== 0 && i < MESSAGES) continue;
      }
      producer.publish();
      for (let m = consumer.read(); m !== null; m = consumer.read()) {
        if (size > 0) sum += m[0];
        read++;
      }
      consumer.release();
    }
    return { ms: performance.now() - t0, read, sum };
  };

  const twoThreads = async (size, batch) => {
    const sab = ByteRing.create(CAPACITY);
    const ring = new ByteRing(sab);
    const worker = new Worker(new URL(import.meta.url), { workerData: { sab, size, batch } });
    const done = new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
    let sum = 0;
    let read = 0;
    const t0 = performance.now();
    while (read < MESSAGES) {
      let m = ring.read();
      if (m === null) {
        await ring.waitForDataAsync(WAIT_MS);
        continue;
      }
      for (; m !== null; m = ring.read()) {
        if (size > 0) sum += m[0];
        read++;
      }
      ring.release();
    }
    const ms = performance.now() - t0;
    await done;
    await worker.terminate();
    return { ms, read, sum };
  };

  const rows = [];
  for (const size of [16, 256, 2048]) {
    for (const batch of [1, 32]) {
      for (const [mode, run] of [['1 thread', singleThread], ['2 threads', twoThreads]]) {
        const { ms, read, sum } = await run(size, batch);
        if (read !== MESSAGES || sum !== (size > 0 ? expectedSum : 0)) {
          throw new Error(`${mode} size ${size} batch ${batch}: read ${read}, sum ${sum}: ring output is wrong`);
        }
        rows.push({
          mode,
          'message bytes': size,
          batch,
          'M msg/s': +(MESSAGES / ms / 1000).toFixed(2),
          'MB/s': Math.round((MESSAGES * size) / ms / 1000),
        });
      }
    }
  }
  console.table(rows);
}
