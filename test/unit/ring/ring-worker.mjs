// Worker thread for the two-thread ByteRing tests. Uses the compiled ring (run tsc first, as
// `npm test` does) and the blocking waits, as a shard owner does.
import { parentPort, workerData } from 'node:worker_threads';
import { ByteRing } from 'riffle/internal';
import { batchSize, describeMismatch, digestUpdate, DIGEST_START, fillMessage, messageLength } from './seeded-messages.mjs';

const modes = {
  /** Produces `count` seeded messages in seeded batch sizes, blocking while the ring is full. */
  produce({ sab, seed, count, deadline, waitSliceMs }) {
    const ring = new ByteRing(sab);
    let index = 0;
    let fullWaits = 0;
    for (let batch = 0; index < count; batch++) {
      const end = Math.min(count, index + batchSize(seed, batch));
      while (index < end) {
        const view = ring.reserve(messageLength(seed, index, ring.maxMessageBytes));
        if (view === null) {
          ring.publish();
          if (Date.now() > deadline) throw new Error(`producer timed out at message ${index} of ${count}`);
          ring.waitForSpace(waitSliceMs);
          fullWaits++;
          continue;
        }
        fillMessage(seed, index, view);
        index++;
      }
      ring.publish();
    }
    return { produced: index, fullWaits };
  },

  /** Consumes and verifies `count` seeded messages; reports the first mismatch and a digest. */
  consume({ sab, seed, count, deadline, waitSliceMs }) {
    const ring = new ByteRing(sab);
    let index = 0;
    let digest = DIGEST_START;
    let emptyWaits = 0;
    while (index < count) {
      let view = ring.read();
      if (view === null) {
        if (Date.now() > deadline) throw new Error(`consumer timed out at message ${index} of ${count}`);
        ring.waitForData(waitSliceMs);
        emptyWaits++;
        continue;
      }
      for (; view !== null; view = ring.read()) {
        const mismatch = describeMismatch(seed, index, ring.maxMessageBytes, view);
        if (mismatch !== null) return { consumed: index, digest, mismatch, emptyWaits };
        digest = digestUpdate(digest, view);
        index++;
      }
      ring.release();
    }
    // The producer sends exactly `count`: anything more is a duplicated or invented message.
    const extra = ring.read() !== null;
    return { consumed: index, digest, mismatch: extra ? `a message after the last (${count})` : null, emptyWaits };
  },

  /**
   * Echoes every request as a reply with the same bytes (a shard owner's loop in miniature),
   * releasing requests and publishing replies in batches of up to 32.
   */
  echo({ requestSab, replySab, count, deadline, waitSliceMs }) {
    const requests = new ByteRing(requestSab);
    const replies = new ByteRing(replySab);
    let echoed = 0;
    let replyFullWaits = 0;
    while (echoed < count) {
      if (Date.now() > deadline) throw new Error(`echo timed out at message ${echoed} of ${count}`);
      const request = requests.read();
      if (request === null) {
        replies.publish();
        requests.release();
        requests.waitForData(waitSliceMs);
        continue;
      }
      let reply = replies.reserve(request.length);
      while (reply === null) {
        // Keep `request` unreleased: its view must stay valid until it is copied.
        replies.publish();
        if (Date.now() > deadline) throw new Error(`echo timed out waiting for reply space at ${echoed}`);
        replies.waitForSpace(waitSliceMs);
        replyFullWaits++;
        reply = replies.reserve(request.length);
      }
      reply.set(request);
      echoed++;
      if (echoed % 32 === 0) {
        replies.publish();
        requests.release();
      }
    }
    replies.publish();
    requests.release();
    return { echoed, extraRequest: requests.read() !== null, replyFullWaits };
  },

  /** Reserves and fills one message, then publishes it only when the parent says so. */
  async reserveThenPublish({ sab, seed, len }) {
    const ring = new ByteRing(sab);
    const view = ring.reserve(len);
    fillMessage(seed, 0, view);
    parentPort.postMessage({ step: 'reserved' });
    await new Promise((resolve) => parentPort.once('message', resolve));
    ring.publish();
    return { published: 1 };
  },
};

try {
  const result = await modes[workerData.mode](workerData);
  parentPort.postMessage({ step: 'done', result });
} catch (error) {
  parentPort.postMessage({ step: 'error', message: String(error?.stack ?? error) });
}
