/**
 * Single-producer single-consumer ring of variable-length byte messages over a SharedArrayBuffer.
 * The main thread and a shard-owner worker each hold a ByteRing around the same SAB; one ring
 * carries requests, a second ring carries replies the other way.
 *
 * SAB layout (byte offsets; Int32 control words, each side's words on its own cache lines):
 *
 *     0  meta line      MAGIC, CAPACITY                      written once by create()
 *   128  producer line  WRITE index, SPACE_WAITERS count     written only by the producer
 *   256  consumer line  READ index,  DATA_WAITERS count      written only by the consumer
 *   384  data area      `capacity` bytes of records
 *
 * The producer and consumer lines are 128 bytes apart, not just on separate 64-byte lines,
 * because pairs of adjacent lines still interfere (x86 adjacent-line prefetch); folly uses 128 for
 * hardware_destructive_interference_size for that reason (folly/lang/Align.h).
 *
 * Indices. WRITE and READ are free-running 32-bit byte counters (they wrap at 2^32, stored as
 * Int32). A counter's offset in the data area is `index & (capacity - 1)`, which stays right across
 * the 2^32 wrap because capacity is a power of two that divides 2^32. Published-but-unreleased
 * bytes are `(WRITE - READ) >>> 0`, always in [0, capacity]; unsigned wrap-safe because capacity
 * <= 2^30 < 2^31. WRITE == READ means empty, WRITE - READ == capacity means full, so no slot is
 * sacrificed to tell them apart.
 *
 * Records. A record is a u32 length header, the payload, and padding up to a 4-byte boundary. A
 * record never wraps past the end of the data area, so read() and reserve() can hand out one
 * contiguous subarray view instead of copying two halves. When a record does not fit before the
 * end, the producer writes PAD_MARKER in place of a header and the record starts at offset 0; the
 * skipped tail counts as used space until the consumer passes it. Every record is 4-aligned and
 * capacity is a multiple of 4, so a non-empty tail always has room for the 4-byte marker.
 *
 * Memory ordering (ECMA-262 "Memory Model": a SeqCst Atomics.store synchronizes-with the
 * Atomics.load that reads its value, so plain writes before the store happen-before plain reads
 * after the load). The producer writes headers and payloads with plain stores,
 * then publishes with Atomics.store(WRITE); the consumer's Atomics.load(WRITE) that sees the new
 * value makes all those plain writes visible to its plain reads. In the other direction, the
 * consumer finishes its plain reads of a record before Atomics.store(READ) releases it, so the
 * producer, having Atomics.load-ed READ, never overwrites bytes that are still being read.
 * Batching is free: one store publishes (or releases) every record before it.
 *
 * Wake-ups. A side that is about to sleep increments its *_WAITERS count, then Atomics.wait()s on
 * the other side's index with the value it last saw. The other side stores its index, then loads
 * the count and calls Atomics.notify only if it is non-zero: all four operations are SeqCst (and
 * Atomics.wait compares inside the waiter-list critical section, ECMA-262 DoWait), so either the
 * notifier sees the count, or the sleeper's wait sees the new index and returns at once
 * ('not-equal'). No wake-up is lost, and the hot path skips Atomics.notify (about 3x the cost of
 * the store alone, measured on Node 20) while nobody sleeps. It is a count, not a flag, and notify
 * wakes every waiter, because one thread may leave several async waits pending on the same index
 * (Promise.race over a request ring and a reply ring): a flag cleared by a finished wait, or a
 * notify(1) spent on an abandoned one, would leave the live wait asleep until its timeout.
 */

const META_MAGIC_WORD = 0;
const META_CAPACITY_WORD = 1;
const WRITE_WORD = 128 / 4;
const SPACE_WAITERS_WORD = WRITE_WORD + 1;
const READ_WORD = 256 / 4;
const DATA_WAITERS_WORD = READ_WORD + 1;
const HEADER_BYTES = 384;
const DATA_WORD = HEADER_BYTES / 4;

/** 'RIF' + layout version: a SAB from another layout (or a stale build) fails in the constructor. */
const MAGIC = 0x52_49_46_01;
const RECORD_HEADER_BYTES = 4;
/** Replaces a record header: "nothing more before the end of the data area, continue at 0". */
const PAD_MARKER = -1;
const CAPACITY_BYTES_MIN = 4096;
/** Keeps (WRITE - READ) >>> 0 unambiguous and the SAB allocation sane. */
const CAPACITY_BYTES_MAX = 2 ** 30;
/** Longest timer Node accepts; the keep-alive interval only needs to exist, not to fire. */
const KEEP_ALIVE_INTERVAL_MS = 2 ** 31 - 1;

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
// lib ES2023 does not declare Atomics.waitAsync; Node 20 (V8 11) has it.
interface AtomicsWaitAsync {
  waitAsync?: (array: Int32Array, index: number, value: number, timeoutMs: number) => WaitAsyncResult;
}

export class ByteRing {
  /** The largest message a ring of `capacityBytes` takes (see maxMessageBytes). */
  static maxMessageBytesFor(capacityBytes: number): number {
    return capacityBytes / 2 - RECORD_HEADER_BYTES;
  }

  /** Allocates a SAB for a ring whose data area holds `capacityBytes` (a power of two in [4096, 2^30]). */
  static create(capacityBytes: number): SharedArrayBuffer {
    if (
      !Number.isInteger(capacityBytes) ||
      capacityBytes < CAPACITY_BYTES_MIN ||
      capacityBytes > CAPACITY_BYTES_MAX ||
      (capacityBytes & (capacityBytes - 1)) !== 0
    ) {
      throw new RangeError(
        `ByteRing capacityBytes must be a power of two in [${CAPACITY_BYTES_MIN}, ${CAPACITY_BYTES_MAX}], got ${capacityBytes}`,
      );
    }
    const sab = new SharedArrayBuffer(HEADER_BYTES + capacityBytes);
    const words = new Int32Array(sab);
    words[META_CAPACITY_WORD] = capacityBytes;
    // Other threads receive the SAB through postMessage/workerData, which orders these writes.
    words[META_MAGIC_WORD] = MAGIC;
    return sab;
  }

  /** Data-area bytes. */
  readonly capacity: number;
  /**
   * Largest payload that can ever be reserved: capacity/2 - 4. Why half: with the ring empty and
   * the cursor at offset p, the largest contiguous free run is max(capacity - p, p) >= capacity/2,
   * so a record of at most capacity/2 bytes (header included) always fits once the consumer has
   * drained the ring, wherever the cursor happens to be. A larger one could wait forever.
   */
  readonly maxMessageBytes: number;

  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly mask: number;

  // Producer-private state. writeCursor runs ahead of the published WRITE by the reserved bytes.
  private writeCursor: number;
  private publishedIndex: number;
  private cachedRead: number;

  // Consumer-private state. readCursor runs ahead of the released READ by the bytes read so far.
  private readCursor: number;
  private releasedIndex: number;
  private cachedWrite: number;

  /** Wraps an existing SAB made by ByteRing.create (either side, any thread). */
  constructor(sab: SharedArrayBuffer) {
    const words = new Int32Array(sab, 0, HEADER_BYTES / 4);
    const capacity = words[META_CAPACITY_WORD] ?? 0;
    assert(
      words[META_MAGIC_WORD] === MAGIC && sab.byteLength === HEADER_BYTES + capacity,
      'ByteRing: SharedArrayBuffer was not made by ByteRing.create (or by a different layout version)',
    );
    this.capacity = capacity;
    this.maxMessageBytes = ByteRing.maxMessageBytesFor(capacity);
    this.mask = capacity - 1;
    this.words = new Int32Array(sab);
    this.bytes = new Uint8Array(sab);

    const write = Atomics.load(this.words, WRITE_WORD);
    const read = Atomics.load(this.words, READ_WORD);
    this.writeCursor = write;
    this.publishedIndex = write;
    this.cachedRead = read;
    this.readCursor = read;
    this.releasedIndex = read;
    this.cachedWrite = write;
  }

  // ---- producer side (exactly one thread) ----

  /**
   * Contiguous writable view of exactly `len` bytes for the next message, or null if there is no
   * room now. The message stays invisible to the consumer until publish(). The view is valid until
   * that publish; do not keep it afterwards. Throws RangeError only if len is not an integer in
   * [0, maxMessageBytes]. Zero-length messages are allowed (a 4-byte record).
   */
  reserve(len: number): Uint8Array | null {
    if (!Number.isInteger(len) || len < 0 || len > this.maxMessageBytes) {
      throw new RangeError(`ByteRing.reserve: len must be an integer in [0, ${this.maxMessageBytes}], got ${len}`);
    }
    const recordBytes = RECORD_HEADER_BYTES + ((len + 3) & ~3);
    let cursor = this.writeCursor;
    const offset = cursor & this.mask;
    const tailBytes = this.capacity - offset;
    const wraps = recordBytes > tailBytes;
    if (!this.hasRoom(wraps ? tailBytes + recordBytes : recordBytes)) return null;
    if (wraps) {
      this.words[DATA_WORD + (offset >> 2)] = PAD_MARKER;
      cursor = (cursor + tailBytes) | 0;
    }
    const at = cursor & this.mask;
    this.words[DATA_WORD + (at >> 2)] = len;
    this.writeCursor = (cursor + recordBytes) | 0;
    const start = HEADER_BYTES + at + RECORD_HEADER_BYTES;
    return this.bytes.subarray(start, start + len);
  }

  /** Makes every reserved message visible with one Atomics.store of WRITE. No-op if nothing is reserved. */
  publish(): void {
    if (this.writeCursor === this.publishedIndex) return;
    this.publishedIndex = this.writeCursor;
    Atomics.store(this.words, WRITE_WORD, this.writeCursor);
    if (Atomics.load(this.words, DATA_WAITERS_WORD) !== 0) Atomics.notify(this.words, WRITE_WORD);
  }

  /** reserve + copy + publish (which also publishes anything reserved before); false when full. */
  tryWrite(msg: Uint8Array): boolean {
    const view = this.reserve(msg.length);
    if (view === null) return false;
    view.set(msg);
    this.publish();
    return true;
  }

  /**
   * Blocks (Atomics.wait; worker threads only) until the consumer releases space past what this
   * producer last saw, or timeoutMs passes. Call it after reserve() returned null; it returns at
   * once if a release already happened since. Everything reserved must be published first: the
   * consumer cannot free space behind records it cannot see, so waiting would deadlock.
   */
  waitForSpace(timeoutMs: number): void {
    this.assertCanWaitForSpace(timeoutMs);
    Atomics.add(this.words, SPACE_WAITERS_WORD, 1);
    Atomics.wait(this.words, READ_WORD, this.cachedRead, timeoutMs);
    Atomics.sub(this.words, SPACE_WAITERS_WORD, 1);
  }

  /** waitForSpace for the main thread (Atomics.waitAsync): resolves on a release or on timeout. */
  async waitForSpaceAsync(timeoutMs: number): Promise<void> {
    this.assertCanWaitForSpace(timeoutMs);
    Atomics.add(this.words, SPACE_WAITERS_WORD, 1);
    try {
      await waitAsync(this.words, READ_WORD, this.cachedRead, timeoutMs);
    } finally {
      Atomics.sub(this.words, SPACE_WAITERS_WORD, 1);
    }
  }

  // ---- consumer side (exactly one thread) ----

  /**
   * View of the next unread published message, or null when there is none. Successive calls walk
   * forward; every returned view stays valid (the producer cannot overwrite it) until release().
   */
  read(): Uint8Array | null {
    let cursor = this.readCursor;
    if (cursor === this.cachedWrite) {
      this.cachedWrite = Atomics.load(this.words, WRITE_WORD);
      if (cursor === this.cachedWrite) return null;
    }
    let offset = cursor & this.mask;
    let len = this.words[DATA_WORD + (offset >> 2)]!;
    if (len === PAD_MARKER) {
      // reserve() writes the marker and the record after it in one reservation, so they are
      // published together: a record is always waiting at offset 0.
      cursor = (cursor + this.capacity - offset) | 0;
      offset = 0;
      len = this.words[DATA_WORD]!;
    }
    const next = (cursor + RECORD_HEADER_BYTES + ((len + 3) & ~3)) | 0;
    assert(
      len >= 0 && len <= this.maxMessageBytes && (this.cachedWrite - next) >>> 0 <= this.capacity,
      'ByteRing.read: corrupt record header (two producers, or a SAB written outside ByteRing?)',
    );
    this.readCursor = next;
    const start = HEADER_BYTES + offset + RECORD_HEADER_BYTES;
    return this.bytes.subarray(start, start + len);
  }

  /** Frees every message read() has returned so far with one Atomics.store of READ. */
  release(): void {
    if (this.readCursor === this.releasedIndex) return;
    this.releasedIndex = this.readCursor;
    Atomics.store(this.words, READ_WORD, this.readCursor);
    if (Atomics.load(this.words, SPACE_WAITERS_WORD) !== 0) Atomics.notify(this.words, READ_WORD);
  }

  /**
   * Blocks (Atomics.wait; worker threads only) until a publish past what this consumer last saw,
   * or timeoutMs passes. Returns at once if published messages are still unread. Everything read
   * must be released first: a producer waiting for that space would otherwise never publish.
   */
  waitForData(timeoutMs: number): void {
    if (!this.mustWaitForData(timeoutMs)) return;
    Atomics.add(this.words, DATA_WAITERS_WORD, 1);
    Atomics.wait(this.words, WRITE_WORD, this.cachedWrite, timeoutMs);
    Atomics.sub(this.words, DATA_WAITERS_WORD, 1);
  }

  /** waitForData for the main thread (Atomics.waitAsync): resolves on a publish or on timeout. */
  async waitForDataAsync(timeoutMs: number): Promise<void> {
    if (!this.mustWaitForData(timeoutMs)) return;
    Atomics.add(this.words, DATA_WAITERS_WORD, 1);
    try {
      await waitAsync(this.words, WRITE_WORD, this.cachedWrite, timeoutMs);
    } finally {
      Atomics.sub(this.words, DATA_WAITERS_WORD, 1);
    }
  }

  /**
   * Bytes published and not yet released, record headers and end padding included; a snapshot
   * from either side, for metrics and backpressure. READ is loaded first: it never passes WRITE,
   * and WRITE only grows, so the difference stays in [0, capacity].
   */
  usedBytes(): number {
    const read = Atomics.load(this.words, READ_WORD);
    return (Atomics.load(this.words, WRITE_WORD) - read) >>> 0;
  }

  private hasRoom(recordBytes: number): boolean {
    if (recordBytes <= this.capacity - ((this.writeCursor - this.cachedRead) >>> 0)) return true;
    this.cachedRead = Atomics.load(this.words, READ_WORD);
    return recordBytes <= this.capacity - ((this.writeCursor - this.cachedRead) >>> 0);
  }

  private assertCanWaitForSpace(timeoutMs: number): void {
    assertTimeout(timeoutMs);
    assert(this.writeCursor === this.publishedIndex, 'ByteRing.waitForSpace: publish() before waiting for space');
  }

  private mustWaitForData(timeoutMs: number): boolean {
    assertTimeout(timeoutMs);
    if (this.readCursor !== this.cachedWrite) return false;
    assert(this.readCursor === this.releasedIndex, 'ByteRing.waitForData: release() before waiting for data');
    return true;
  }
}

/**
 * Atomics.waitAsync that also keeps the event loop alive while it is pending: on Node 20 a pending
 * waitAsync holds no libuv handle, so a process with nothing else to do would exit mid-wait
 * (nodejs/node#61941). A ref'd interval covers that; waiting is the idle path, so its cost is moot.
 */
async function waitAsync(words: Int32Array, index: number, expected: number, timeoutMs: number): Promise<void> {
  const atomics = Atomics as unknown as AtomicsWaitAsync;
  assert(atomics.waitAsync !== undefined, 'ByteRing: Atomics.waitAsync is unavailable in this runtime');
  const result = atomics.waitAsync(words, index, expected, timeoutMs);
  if (!result.async) return;
  const keepAlive = setInterval(noop, KEEP_ALIVE_INTERVAL_MS);
  try {
    await result.value;
  } finally {
    clearInterval(keepAlive);
  }
}

function noop(): void {}

function assertTimeout(timeoutMs: number): void {
  assert(timeoutMs >= 0, `ByteRing: timeoutMs must be >= 0 (Infinity allowed), got ${timeoutMs}`);
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
