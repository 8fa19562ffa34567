import { Worker } from 'node:worker_threads';
import { ByteRing } from '../../ring/byte-ring.js';
import { AwsError, internalFailure } from '../../aws/errors.js';
import type { ShardLimits } from '../../config.js';
import { WireReader } from '../wire.js';
import { readHeader, type Header } from '../messages.js';
import type { FsyncMode, OwnerInit } from '../owner-init.js';
import type { SharedClock } from '../clock.js';
import { checkRingLimits, REPLY_RING_BYTES, REQUEST_RING_BYTES } from './ring-limits.js';

/** Requests waiting for room in a full request ring, per owner. Past this, callers get 503. */
const BACKLOG_BYTES_MAX = 64 * 1024 * 1024;
const PUMP_WAIT_MS = 1000;

type Decode<T> = (header: Header, reader: WireReader) => T;

interface Pending {
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

  constructor(readonly worker: Worker, init: OwnerInit) {
    this.requests = new ByteRing(init.requestRing);
    this.replies = new ByteRing(init.replyRing);
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`shard owner exited with code ${code}`));
    });
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
      await this.replies.waitForDataAsync(PUMP_WAIT_MS);
    }
  }

  /** Rejects every pending request and all later ones (a dead owner, or shutdown). */
  fail(cause: unknown, report = true): void {
    if (this.failure !== null) return;
    if (report) console.error('riffle: shard owner failed:', cause);
    this.failure = cause instanceof AwsError ? cause : internalFailure(cause);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

export interface OwnerPoolOptions {
  workers: number;
  throttle: boolean;
  limits: ShardLimits;
  clock: SharedClock;
  fsync: FsyncMode;
  segmentBytes: number;
  segmentMs: number;
  hotBytes: number;
}

/** The main thread's side of the shard owners: one request ring and one reply ring per owner. */
export class OwnerPool {
  private nextRequestId = 1;

  private constructor(private readonly owners: Owner[]) {}

  static async start(options: OwnerPoolOptions): Promise<OwnerPool> {
    checkRingLimits();
    const owners: Owner[] = [];
    for (let i = 0; i < options.workers; i++) {
      const init: OwnerInit = {
        requestRing: ByteRing.create(REQUEST_RING_BYTES),
        replyRing: ByteRing.create(REPLY_RING_BYTES),
        throttle: options.throttle,
        limits: options.limits,
        clock: options.clock.buffer,
        fsync: options.fsync,
        segmentBytes: options.segmentBytes,
        segmentMs: options.segmentMs,
        hotBytes: options.hotBytes,
      };
      const worker = new Worker(new URL('../owner/owner-worker.js', import.meta.url), { workerData: init, name: `riffle-owner-${i}` });
      await new Promise<void>((resolve, reject) => {
        worker.once('online', resolve);
        worker.once('error', reject);
      });
      owners.push(new Owner(worker, init));
    }
    return new OwnerPool(owners);
  }

  get size(): number {
    return this.owners.length;
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
  requestFilled<T>(owner: number, size: (requestId: number) => number, fill: (dst: Uint8Array, requestId: number) => void, decode: Decode<T>): Promise<T> {
    const o = this.owners[owner];
    if (o === undefined) throw new Error(`no shard owner ${owner}`);
    if (o.failure !== null) return Promise.reject(o.failure);
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId + 1) >>> 0 || 1;
    const len = size(requestId);
    return new Promise<T>((resolve, reject) => {
      o.pending.set(requestId, { decode, resolve: resolve as (v: unknown) => void, reject });
      try {
        o.sendFilled(len, (dst) => fill(dst, requestId));
      } catch (err) {
        o.pending.delete(requestId);
        reject(err);
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.owners.map(async (o) => {
        o.closed = true;
        o.fail(new AwsError('ServiceUnavailable', 'Riffle is shutting down.'), false);
        await o.worker.terminate();
      }),
    );
  }
}
