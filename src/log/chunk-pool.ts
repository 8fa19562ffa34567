/**
 * Fixed-size chunks of memory for in-memory log segments, carved out of one large ArrayBuffer per
 * thread and recycled when retention frees a segment.
 *
 * Why one reservation instead of an ArrayBuffer per segment: V8 counts every new backing store as
 * external memory and starts a garbage collection each time that grows by 64 MB, so a shard owner
 * storing 200 MB/s collected every ~250 ms, each a 2-10 ms pause (the put → ack p99). The
 * reservation is counted once; its pages are only committed when first written (calloc → mmap),
 * and a recycled chunk's pages are already resident, so steady-state ingest takes no page faults.
 * RSS does not shrink when chunks are freed: they stay in the pool for the next segments.
 */
export const CHUNK_BYTES = 1 << 20;
/** Default reservation per thread: virtual address space, committed only as it is used. */
export const DEFAULT_POOL_BYTES = 8 * 1024 ** 3;

export class ChunkPool {
  private buffer: ArrayBuffer | null = null;
  private nextFresh = 0;
  private readonly free: number[] = [];
  private chunks: number;
  private refused = false;

  constructor(capacityBytes = DEFAULT_POOL_BYTES) {
    this.chunks = Math.floor(capacityBytes / CHUNK_BYTES);
  }

  /** A CHUNK_BYTES view (zeroed if fresh, stale bytes if recycled), or null when the pool is spent. */
  take(): Uint8Array | null {
    // Reserved on first use, so a thread that stores nothing reserves nothing.
    if (this.buffer === null && (this.refused || !this.reserve())) return null;
    let index = this.free.pop();
    if (index === undefined) {
      if (this.nextFresh >= this.chunks) return null;
      index = this.nextFresh++;
    }
    return new Uint8Array(this.buffer as ArrayBuffer, index * CHUNK_BYTES, CHUNK_BYTES);
  }

  /**
   * The reservation: the full size, or halves of it down to 64 MiB where the host refuses that
   * much address space (a ulimit -v, strict overcommit). With none, segments get memory of their
   * own (take() returns null), as before the pool existed.
   */
  private reserve(): boolean {
    const floor = Math.min(64, this.chunks);
    for (let chunks = this.chunks; chunks >= floor && chunks > 0; chunks = Math.floor(chunks / 2)) {
      try {
        this.buffer = new ArrayBuffer(chunks * CHUNK_BYTES);
        this.chunks = chunks;
        return true;
      } catch {
        // RangeError: Array buffer allocation failed; try a smaller reservation.
      }
    }
    this.refused = true;
    return false;
  }

  /** Returns a chunk this pool handed out; anything else is left to the garbage collector. */
  give(chunk: Uint8Array): void {
    if (chunk.buffer !== this.buffer || chunk.byteLength !== CHUNK_BYTES) return;
    this.free.push(chunk.byteOffset / CHUNK_BYTES);
  }

  /** Chunks in use (handed out and not given back). */
  get inUse(): number {
    return this.nextFresh - this.free.length;
  }
}
