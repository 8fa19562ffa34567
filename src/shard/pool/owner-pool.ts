import { Worker } from 'node:worker_threads';
import { ByteRing } from '../../ring/byte-ring.js';
import { AwsError, internalFailure } from '../../aws/errors.js';
import type { ShardLimits } from '../../config.js';
import { WireReader } from '../wire.js';
import { MSG, readHeader, type Header } from '../messages.js';
import type { FsyncMode, OwnerInit } from '../owner-init.js';
import type { SharedClock } from '../clock.js';
import { checkRingLimits, REPLY_RING_BYTES, REQUEST_RING_BYTES } from './ring-limits.js';
import { OwnerHealth } from '../owner-health.js';
import { createMetricsBuffer, MetricsReader } from '../shard-metrics.js';

/** Requests waiting for room in a full request ring, per owner. Past this, callers get 503. */
const BACKLOG_BYTES_MAX = 64 * 1024 * 1024;
const PUMP_WAIT_MS = 1000;
/** Tables of dead owners kept per place in the pool, for the counts they made before they died. */
const PREVIOUS_TABLES_MAX = 4;
/** How often the pump looks at a holding owner's health. */
const HOLDING_PUMP_WAIT_MS = 50;
/**
 * An owner that has held its acknowledgements this long (its disk refuses writes) fails the requests
 * it holds with a retryable error instead of keeping their callers waiting: their records may still
 * be stored once the disk takes them (a retry can duplicate them, as after any 5xx), never lost.
 */
const HOLD_ANSWER_MS = 1000;
/** Owners replaced at most this often (a thread that dies at every start is left failed). */
const REPLACEMENTS_PER_MINUTE = 5;

const HOLDING_ERROR = new AwsError('ServiceUnavailable', 'Riffle cannot write to its data directory at the moment; retry the request.');
const RESTARTING_ERROR = new AwsError('ServiceUnavailable', 'A shard owner is being restarted; retry the request.');

type Decode<T> = (header: Header, reader: WireReader) => T;

interface Pending {
  /** The message's type (its first byte): a held owner answers only data requests early (answerHeld). */
  type: number;
  decode: Decode<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

class Owner {
  readonly requests: ByteRing;
  readonly replies: ByteRing;
  readonly pending = new Map<number, Pending>();
  private readonly backlog: Uint8Array[] = [];
  private backlogBytes = 0;
  private flushing = false;
  failure: AwsError | null = null;
  closed = false;
  readonly health: OwnerHealth;
  /** The owner's counters (shard-metrics.ts): a replacement's start at zero. */
  readonly metrics: MetricsReader;
  /** The tables of the owners this one replaced, newest first (PREVIOUS_TABLES_MAX): their final counts stay readable. */
  previous: MetricsReader[] = [];
  /** Set while the pool restores a replacement's shards: only its restoring requests go through. */
  restoring = false;

  constructor(readonly worker: Worker, init: OwnerInit, onDeath: (cause: unknown) => void, private readonly clock: SharedClock) {
    this.requests = new ByteRing(init.requestRing);
    this.replies = new ByteRing(init.replyRing);
    this.health = new OwnerHealth(init.health);
    this.metrics = new MetricsReader(init.metrics);
    let died = false;
    const die = (cause: unknown): void => {
      if (this.closed || died) return;
      died = true;
      // A replacement dying while it restores: its restore's requests are not let through any more.
      this.restoring = false;
      this.fail(cause);
      // Callers from now until the replacement is up are told to retry.
      this.failure = RESTARTING_ERROR;
      // Done with: the pump and the backlog's flush stop, so the rings can be collected.
      this.closed = true;
      this.backlog.length = 0;
      this.backlogBytes = 0;
      onDeath(cause);
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`shard owner exited with code ${code}`)));
    void this.pump();
  }

  /**
   * Sends a message of `len` bytes written by `fill`: straight into the request ring when it has
   * room and nothing is queued ahead (no intermediate copy), else into a bounded backlog.
   */
  sendFilled(len: number, fill: (dst: Uint8Array) => void): void {
    // Callers bound their messages below this (PutRecords 5 MiB, ingest frames 8 MiB - 64 KiB);
    // one that is not would never fit, so refuse it here instead of queueing it forever.
    if (len > this.requests.maxMessageBytes) {
      throw new AwsError('InternalFailure', `Request of ${len} bytes exceeds the shard owner ring's ${this.requests.maxMessageBytes}-byte message limit.`);
    }
    if (this.backlog.length === 0) {
      const slot = this.requests.reserve(len);
      if (slot !== null) {
        try {
          fill(slot);
        } catch (err) {
          // The slot is reserved and must be published: make it a message the owner refuses.
          slot[0] = 0;
          throw err;
        } finally {
          this.requests.publish();
        }
        return;
      }
    }
    if (this.backlogBytes + len > BACKLOG_BYTES_MAX) {
      throw new AwsError('ServiceUnavailable', 'Shard owner is overloaded; retry the request.');
    }
    const message = new Uint8Array(len);
    fill(message);
    this.backlog.push(message);
    this.backlogBytes += len;
    if (!this.flushing) {
      this.flush().catch((err: unknown) => {
        this.flushing = false;
        this.fail(err);
      });
    }
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.backlog.length > 0 && !this.closed) {
      const head = this.backlog[0] as Uint8Array;
      if (this.requests.tryWrite(head)) {
        this.backlog.shift();
        this.backlogBytes -= head.length;
      } else {
        await this.requests.waitForSpaceAsync(50);
      }
    }
    this.flushing = false;
  }

  /** Reads acks as the owner publishes them; never blocks the event loop. */
  private async pump(): Promise<void> {
    while (!this.closed) {
      let any = false;
      for (let msg = this.replies.read(); msg !== null; msg = this.replies.read()) {
        any = true;
        const reader = new WireReader(msg);
        const header = readHeader(reader);
        const entry = this.pending.get(header.requestId);
        if (entry === undefined) continue;
        this.pending.delete(header.requestId);
        try {
          entry.resolve(entry.decode(header, reader));
        } catch (err) {
          entry.reject(err);
        }
      }
      if (any) this.replies.release();
      if (this.health.holding && this.health.heldFor(this.clock.now()) >= HOLD_ANSWER_MS) this.answerHeld();
      await this.replies.waitForDataAsync(this.health.holding ? HOLDING_PUMP_WAIT_MS : PUMP_WAIT_MS);
    }
  }

  /**
   * The owner's disk refuses writes: the data requests it holds (puts, reads) are answered
   * (retryable) and their late replies dropped. Control requests (a shard created, closed,
   * deleted) wait for their true answer: their callers act on it, and one answered early would
   * still take effect later.
   */
  private answerHeld(): void {
    for (const [id, p] of this.pending) {
      if (p.type !== MSG.PUT && p.type !== MSG.INGEST && p.type !== MSG.READ && p.type !== MSG.POSITION) continue;
      p.reject(HOLDING_ERROR);
      this.pending.delete(id);
    }
  }

  /** Rejects every pending request and all later ones (a dead owner, or shutdown). */
  fail(cause: unknown, report = true): void {
    if (report) console.error('riffle: shard owner failed:', cause);
    const error = cause instanceof AwsError ? cause : internalFailure(cause);
    this.failure ??= error;
    // Whatever it said before (restarting, say), what it holds now is answered: nothing is left pending.
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

/** Reopens the shards a replaced owner had (the engine's: it knows which they are). */
export type RestoreOwner = (owner: number) => Promise<void>;

export interface OwnerPoolOptions {
  workers: number;
  throttle: boolean;
  limits: ShardLimits;
  clock: SharedClock;
  fsync: FsyncMode;
  segmentBytes: number;
  segmentMs: number;
  hotBytes: number;
  /** Segment file descriptors all owners keep open at most (--open-files), shared out evenly. */
  openFiles: number;
  /** false (--no-metrics): the owners count nothing. */
  countMetrics: boolean;
}

export interface OwnerStats {
  metrics: MetricsReader;
  /** The tables of the owners it replaced, newest first: what they counted before they died. */
  previous: readonly MetricsReader[];
  requestRingBytes: number;
  requestRingCapacity: number;
  replyRingBytes: number;
  replyRingCapacity: number;
  holding: boolean;
  /** Dead or being replaced: requests are refused meanwhile. */
  down: boolean;
}

/** The main thread's side of the shard owners: one request ring and one reply ring per owner. */
export class OwnerPool {
  private nextRequestId = 1;
  private readonly owners: Owner[] = [];
  private closing = false;
  /** When owners were replaced lately (ms), for REPLACEMENTS_PER_MINUTE. */
  private readonly replacedMs: number[] = [];
  /** Set by the engine: reopens a replacement's shards. Until it is set, a dead owner stays dead. */
  restore: RestoreOwner | null = null;

  private constructor(private readonly options: OwnerPoolOptions) {}

  static async start(options: OwnerPoolOptions): Promise<OwnerPool> {
    checkRingLimits();
    const pool = new OwnerPool(options);
    for (let i = 0; i < options.workers; i++) pool.owners.push(await pool.startOwner(i));
    return pool;
  }

  private async startOwner(index: number): Promise<Owner> {
    const o = this.options;
    const init: OwnerInit = {
      requestRing: ByteRing.create(REQUEST_RING_BYTES),
      replyRing: ByteRing.create(REPLY_RING_BYTES),
      throttle: o.throttle,
      limits: o.limits,
      clock: o.clock.buffer,
      fsync: o.fsync,
      segmentBytes: o.segmentBytes,
      segmentMs: o.segmentMs,
      hotBytes: o.hotBytes,
      index,
      health: OwnerHealth.create(),
      metrics: createMetricsBuffer(),
      countMetrics: o.countMetrics,
      openFiles: Math.max(1, Math.floor(o.openFiles / o.workers)),
    };
    const worker = new Worker(new URL('../owner/owner-worker.js', import.meta.url), { workerData: init, name: `riffle-owner-${index}` });
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    return new Owner(worker, init, (cause) => void this.replace(index, cause), o.clock);
  }

  /**
   * A dead owner (a bug, a failed fdatasync) is replaced by a new thread, and the engine reopens its
   * shards there (durable ones from disk); requests meanwhile get a retryable error.
   */
  private async replace(index: number, cause: unknown): Promise<void> {
    const now = Date.now();
    while (this.replacedMs.length > 0 && (this.replacedMs[0] as number) < now - 60_000) this.replacedMs.shift();
    if (this.closing || this.restore === null) return;
    if (this.replacedMs.length >= REPLACEMENTS_PER_MINUTE) {
      // A thread that dies at every start would spin: the next try waits for the window to pass.
      const waitMs = (this.replacedMs[0] as number) + 60_000 - now;
      console.error(`riffle: shard owner ${index} failed again (${String(cause)}); ${REPLACEMENTS_PER_MINUTE} replacements in a minute, so the next is in ${Math.ceil(waitMs / 1000)} s`);
      return void setTimeout(() => void this.replace(index, cause), waitMs).unref();
    }
    this.replacedMs.push(now);
    let owner: Owner;
    try {
      owner = await this.startOwner(index);
    } catch (err) {
      console.error(`riffle: shard owner ${index} could not be replaced (trying again in 1 s):`, err);
      return void setTimeout(() => void this.replace(index, cause), 1000).unref();
    }
    if (this.closing) return void owner.worker.terminate();
    const dead = this.owners[index]!;
    owner.previous = [dead.metrics, ...dead.previous].slice(0, PREVIOUS_TABLES_MAX);
    owner.failure = RESTARTING_ERROR;
    owner.restoring = true;
    this.owners[index] = owner;
    try {
      await this.restore(index);
      // Unless it died meanwhile (its own replacement is on the way).
      if (this.owners[index] !== owner || owner.closed) return;
      owner.failure = null;
      console.error(`riffle: shard owner ${index} replaced; its shards are open again`);
    } catch (err) {
      owner.fail(err);
      console.error(`riffle: shard owner ${index} was replaced but its shards could not be reopened:`, err);
    } finally {
      owner.restoring = false;
    }
  }

  get size(): number {
    return this.owners.length;
  }

  /** What metrics read of owner `index`: its counters, its rings' fill, whether it holds or is down. */
  stats(index: number): OwnerStats {
    const o = this.owners[index]!;
    return {
      metrics: o.metrics,
      previous: o.previous,
      requestRingBytes: o.requests.usedBytes(),
      requestRingCapacity: REQUEST_RING_BYTES,
      replyRingBytes: o.replies.usedBytes(),
      replyRingCapacity: REPLY_RING_BYTES,
      holding: o.health.holding,
      down: o.failure !== null,
    };
  }

  /** Owners are assigned round-robin by the engine-wide shard id. */
  ownerOf(gid: number): number {
    return gid % this.owners.length;
  }

  /** Sends one request message built for a fresh request id; resolves with its decoded reply. */
  request<T>(owner: number, build: (requestId: number) => Uint8Array, decode: Decode<T>): Promise<T> {
    let message: Uint8Array = new Uint8Array(0);
    return this.requestFilled(owner, (requestId) => (message = build(requestId)).length, (dst) => dst.set(message), decode);
  }

  /**
   * Sends one request of `size(requestId)` bytes that `fill` writes in place (into the request
   * ring when it has room); resolves with its decoded reply.
   */
  requestFilled<T>(owner: number, size: (requestId: number) => number, fill: (dst: Uint8Array, requestId: number) => void, decode: Decode<T>, restoring = false): Promise<T> {
    const o = this.owners[owner];
    if (o === undefined) throw new Error(`no shard owner ${owner}`);
    if (o.closed) return Promise.reject(o.failure ?? RESTARTING_ERROR);
    if (o.failure !== null && !(restoring && o.restoring)) return Promise.reject(o.failure);
    // Its disk refuses writes: new requests are turned away at once rather than queued behind them.
    if (o.health.holding) return Promise.reject(HOLDING_ERROR);
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId + 1) >>> 0 || 1;
    const len = size(requestId);
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { type: 0, decode, resolve: resolve as (v: unknown) => void, reject };
      o.pending.set(requestId, pending);
      try {
        o.sendFilled(len, (dst) => {
          fill(dst, requestId);
          pending.type = dst[0] as number;
        });
      } catch (err) {
        o.pending.delete(requestId);
        reject(err);
      }
    });
  }

  /** A request of the engine's restore (RestoreOwner), which goes through while the owner is restoring. */
  restoreRequest<T>(owner: number, build: (requestId: number) => Uint8Array, decode: Decode<T>): Promise<T> {
    let message: Uint8Array = new Uint8Array(0);
    return this.requestFilled(owner, (requestId) => (message = build(requestId)).length, (dst) => dst.set(message), decode, true);
  }

  /** For tests: the owner's thread ends as a crash would end it (the pool replaces it). */
  async killOwner(owner: number): Promise<void> {
    await this.owners[owner]?.worker.terminate();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.owners.map(async (o) => {
        o.closed = true;
        o.fail(new AwsError('ServiceUnavailable', 'Riffle is shutting down.'), false);
        await o.worker.terminate();
      }),
    );
  }
}
