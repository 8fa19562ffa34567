// Two-thread ByteRing tests: a real worker thread on the other side of the SAB, seeded message
// streams checked byte for byte, in order, with exact counts. The worker uses the compiled ring in
// dist/ (`npm test` runs tsc first); the main thread uses the async waits, as the server does.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteRing } from '../../../src/ring/byte-ring.js';
import {
  batchSize,
  describeMismatch,
  digestUpdate,
  DIGEST_START,
  fillMessage,
  firstBadByte,
  messageLength,
} from './seeded-messages.mjs';

// 32 KiB: ~100 MB of messages make the ring wrap ~3000 times, and the 16 KiB messages (1 in
// ~4000) need the whole ring drained, so full and empty rings are routine on both sides.
const CAPACITY = 1 << 15;
const COUNT = 200_000;
// Every wait is longer than the whole time limit: a lost wake-up cannot hide behind a timeout
// and retry, it stalls the run past TIME_LIMIT_MS and the test fails. A healthy run takes ~1 s.
const TIME_LIMIT_MS = 8_000;
const WAIT_SLICE_MS = 10_000;

interface WorkerReply {
  step: 'reserved' | 'done' | 'error';
  result?: Record<string, unknown>;
  message?: string;
}

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

/** Starts ring-worker.mjs; `next()` resolves with its next message, rejects on a worker failure. */
function startWorker(data: Record<string, unknown>): { worker: Worker; next: () => Promise<WorkerReply> } {
  const worker = new Worker(new URL('./ring-worker.mjs', import.meta.url), {
    workerData: { waitSliceMs: WAIT_SLICE_MS, ...data },
  });
  workers.push(worker);
  const inbox: WorkerReply[] = [];
  let waiter: { resolve: (m: WorkerReply) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const flush = (): void => {
    if (waiter === null) return;
    const m = inbox.shift();
    if (m !== undefined) waiter.resolve(m);
    else if (failure !== null) waiter.reject(failure);
    else return;
    waiter = null;
  };
  worker.on('message', (m: WorkerReply) => {
    if (m.step === 'error') failure = new Error(`worker: ${m.message}`);
    else inbox.push(m);
    flush();
  });
  worker.on('error', (e) => {
    failure = e;
    flush();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`worker exited (${code}) before replying`);
    flush();
  });
  const next = (): Promise<WorkerReply> =>
    new Promise((resolve, reject) => {
      waiter = { resolve, reject };
      flush();
    });
  return { worker, next };
}

function expectedDigest(seed: number, count: number, maxLen: number): number {
  let digest = DIGEST_START;
  const scratch = new Uint8Array(maxLen);
  for (let i = 0; i < count; i++) {
    const view = scratch.subarray(0, messageLength(seed, i, maxLen));
    fillMessage(seed, i, view);
    digest = digestUpdate(digest, view);
  }
  return digest;
}

describe('ByteRing across two threads', () => {
  it('worker produces 200k seeded messages; main consumes with waitForDataAsync and verifies each', async () => {
    const seed = 0x5eed0001;
    const sab = ByteRing.create(CAPACITY);
    const ring = new ByteRing(sab);
    const deadline = Date.now() + TIME_LIMIT_MS;
    const done = startWorker({ mode: 'produce', sab, seed, count: COUNT, deadline }).next();
    done.catch(() => {}); // awaited below; a worker failure also shows up as a short count

    let index = 0;
    let wraps = 0;
    let lastOffset = -1;
    let emptyWaits = 0;
    let mismatch: string | null = null;
    while (index < COUNT && mismatch === null && Date.now() < deadline) {
      let view = ring.read();
      if (view === null) {
        await ring.waitForDataAsync(WAIT_SLICE_MS);
        emptyWaits++;
        continue;
      }
      for (; view !== null && mismatch === null; view = ring.read()) {
        mismatch = describeMismatch(seed, index, ring.maxMessageBytes, view);
        if (view.byteOffset < lastOffset) wraps++;
        lastOffset = view.byteOffset;
        index++;
      }
      ring.release();
    }
    expect(mismatch).toBeNull();
    if (index < COUNT) await done; // surfaces the worker's error, if it had one
    expect(index).toBe(COUNT);

    const reply = await done;
    expect(reply.result).toMatchObject({ produced: COUNT });
    expect(ring.read()).toBeNull(); // nothing beyond the last message
    expect(ring.usedBytes()).toBe(0);
    expect(wraps).toBeGreaterThan(2000);
    console.info(
      `worker→main: ${COUNT} messages, ${wraps} wraps, producer full waits ${String(reply.result?.fullWaits)}, consumer empty waits ${emptyWaits}`,
    );
  });

  it('main produces 200k seeded messages with waitForSpaceAsync; worker consumes, verifies and digests', async () => {
    const seed = 0x5eed0002;
    const sab = ByteRing.create(CAPACITY);
    const ring = new ByteRing(sab);
    const deadline = Date.now() + TIME_LIMIT_MS;

    let index = 0;
    let fullWaits = 0;
    let done: Promise<WorkerReply> | null = null;
    for (let batch = 0; index < COUNT; batch++) {
      const end = Math.min(COUNT, index + batchSize(seed, batch));
      while (index < end) {
        const view = ring.reserve(messageLength(seed, index, ring.maxMessageBytes));
        if (view === null) {
          ring.publish();
          // Start the consumer only once the ring is full, so the full-ring path runs at least once.
          if (done === null) {
            done = startWorker({ mode: 'consume', sab, seed, count: COUNT, deadline }).next();
            done.catch(() => {});
          }
          if (Date.now() > deadline) {
            await done; // surfaces the worker's error, if it had one
            throw new Error(`producer timed out at message ${index} of ${COUNT}`);
          }
          await ring.waitForSpaceAsync(WAIT_SLICE_MS);
          fullWaits++;
          continue;
        }
        fillMessage(seed, index, view);
        index++;
      }
      ring.publish();
    }
    expect(fullWaits).toBeGreaterThan(0);
    expect(done).not.toBeNull();

    const reply = await done!;
    expect(reply.result).toMatchObject({
      consumed: COUNT,
      mismatch: null,
      digest: expectedDigest(seed, COUNT, ring.maxMessageBytes),
    });
    expect(ring.usedBytes()).toBe(0);
    console.info(
      `main→worker: ${COUNT} messages, producer full waits ${fullWaits}, consumer empty waits ${String(reply.result?.emptyWaits)}`,
    );
  });

  it('request ring one way, reply ring the other: main sends 100k, worker echoes, main verifies', async () => {
    const seed = 0x5eed0004;
    const count = COUNT / 2;
    const requestSab = ByteRing.create(CAPACITY);
    const replySab = ByteRing.create(CAPACITY);
    const requests = new ByteRing(requestSab);
    const replies = new ByteRing(replySab);
    const deadline = Date.now() + TIME_LIMIT_MS;
    const done = startWorker({ mode: 'echo', requestSab, replySab, count, deadline }).next();
    done.catch(() => {});

    let sent = 0;
    let received = 0;
    let mismatch: string | null = null;
    let raceWaits = 0;
    while (received < count && mismatch === null && Date.now() < deadline) {
      let progress = false;
      let blockedOnSpace = false;
      for (let batch = 0; sent < count && batch < 64; batch++) {
        const view = requests.reserve(messageLength(seed, sent, requests.maxMessageBytes));
        if (view === null) {
          blockedOnSpace = true;
          break;
        }
        fillMessage(seed, sent, view);
        sent++;
        progress = true;
      }
      requests.publish();
      for (let view = replies.read(); view !== null && mismatch === null; view = replies.read()) {
        mismatch = describeMismatch(seed, received, replies.maxMessageBytes, view);
        received++;
        progress = true;
      }
      replies.release();
      if (!progress) {
        // Both rings at once, as the server's loop would; the losing wait stays pending until its
        // index next moves, which the ring must tolerate (waiter counts, notify-all).
        const waits = [replies.waitForDataAsync(WAIT_SLICE_MS)];
        if (blockedOnSpace) waits.push(requests.waitForSpaceAsync(WAIT_SLICE_MS));
        await Promise.race(waits);
        raceWaits++;
      }
    }
    expect(mismatch).toBeNull();
    if (received < count) await done;
    expect(received).toBe(count);
    expect(sent).toBe(count);

    const reply = await done;
    expect(reply.result).toMatchObject({ echoed: count, extraRequest: false });
    expect(replies.read()).toBeNull();
    expect(requests.usedBytes()).toBe(0);
    expect(replies.usedBytes()).toBe(0);
    console.info(`echo: ${count} round trips, main waits ${raceWaits}, worker reply-full waits ${String(reply.result?.replyFullWaits)}`);
  });

  it('a message reserved and filled in another thread stays invisible until it is published', async () => {
    const seed = 0x5eed0003;
    const len = 1000;
    const sab = ByteRing.create(CAPACITY);
    const ring = new ByteRing(sab);
    const { worker, next } = startWorker({ mode: 'reserveThenPublish', sab, seed, len });

    expect((await next()).step).toBe('reserved');
    // The worker has written the header and the bytes with plain stores, but not stored WRITE.
    expect(ring.read()).toBeNull();
    expect(ring.usedBytes()).toBe(0);
    await ring.waitForDataAsync(20); // times out: nothing was published
    expect(ring.read()).toBeNull();

    worker.postMessage('publish');
    await ring.waitForDataAsync(WAIT_SLICE_MS);
    const view = ring.read();
    expect(view).not.toBeNull();
    expect(view!.length).toBe(len);
    expect(firstBadByte(seed, 0, view!)).toBe(-1);
    expect(ring.read()).toBeNull();
    expect((await next()).result).toEqual({ published: 1 });
  });
});
