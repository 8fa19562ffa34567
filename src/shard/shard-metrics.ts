/**
 * A shard owner's counters, in shared memory: the owner adds to them as it handles each record
 * and read (no message, no allocation), and the main thread reads them when it is asked for
 * metrics. One owner writes a table; the main thread only reads it, so the words need no atomics:
 * a reader sees each float64 whole (aligned 8-byte stores are single stores on the platforms Node
 * runs on) and at worst a moment old.
 *
 * Layout, float64 words over a growable SharedArrayBuffer (the owner grows it as it takes shards):
 *   [0, OWNER_WORDS)  the owner's own: commits, syncs, sync seconds, a histogram of sync times
 *   then one slot of SLOT_WORDS per shard the owner has. A slot's first word is its state, as an
 *   int32 through Atomics (the counters are plain stores): gid + 1 while the owner has the shard,
 *   -(gid + 1) once it let it go (its counters stay readable, final, until the slot is claimed
 *   again), 0 never used. Atomics order it: a claim zeroes the counters before it stores the gid,
 *   and a reader checks the state again after reading the counts (observe/counter-fold.ts), so
 *   counts read from a slot are the shard's it names, on any CPU, even if the slot was reused
 *   between the reader's scan and its read.
 */

/** Upper bounds (seconds) of the sync-time histogram's buckets; the last bucket is +Inf. */
export const SYNC_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

export const OWNER = {
  /** Group commits that wrote records. */
  COMMITS: 0,
  /** fdatasync calls (one per commit that synced: every shard's at once). */
  SYNCS: 1,
  /** Seconds spent in them. */
  SYNC_SECONDS: 2,
  /** Then SYNC_BUCKETS_S.length + 1 counts, one per bucket (not cumulative). */
  SYNC_HISTOGRAM: 3,
} as const;
const OWNER_WORDS = 24;

/**
 * Per shard. Counted by the owner: what the shard took, what GetRecords read, and what it refused.
 * Enhanced fan-out is counted per event sent, on the main thread (engine/op-metrics.ts): one owner
 * read at the tip feeds every subscription of the shard.
 */
export const SHARD = {
  /** The slot's state (an int32 in the word's first 4 bytes, through Atomics): see the layout above. */
  STATE: 0,
  INCOMING_BYTES: 1,
  INCOMING_RECORDS: 2,
  /** Records refused by the shard's write limit. */
  WRITE_THROTTLED: 3,
  /** GetRecords (metered reads): bytes and records served, calls refused by the read limit. */
  GET_BYTES: 4,
  GET_RECORDS: 5,
  READ_THROTTLED: 6,
  /** Milliseconds the last GetRecords answer was behind the shard's tip (its IteratorAgeMilliseconds). */
  GET_BEHIND_MS: 7,
  /** When the shard's last record arrived (engine ms; 0: none since the owner took the shard). */
  LAST_ARRIVAL_MS: 8,
} as const;
export const SLOT_WORDS = 16;

/** Shards an owner can count at most (the table's reserved size: 32 MiB of address space, not memory). */
export const SLOTS_MAX = 1 << 18;
const INITIAL_SLOTS = 64;

const WORD = Float64Array.BYTES_PER_ELEMENT;

export function createMetricsBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer((OWNER_WORDS + INITIAL_SLOTS * SLOT_WORDS) * WORD, { maxByteLength: (OWNER_WORDS + SLOTS_MAX * SLOT_WORDS) * WORD });
}

/** The owner's side: slots claimed and freed as shards come and go, counters added to. */
export class MetricsWriter {
  /**
   * A fixed-length view, made again when the table grows (only claim() grows it, in a control
   * message: a PUT's handler holds one view throughout). Not length-tracking: V8 checks a
   * length-tracking view's bounds against the buffer's current length on every access, which
   * costs on the per-record path.
   */
  words: Float64Array;
  private states: Int32Array;
  private readonly free: number[] = [];
  private used = 0;

  constructor(private readonly buffer: SharedArrayBuffer) {
    this.words = new Float64Array(buffer, 0, buffer.byteLength / WORD);
    this.states = new Int32Array(buffer, 0, buffer.byteLength / Int32Array.BYTES_PER_ELEMENT);
  }

  /** The base word of a new slot for the shard `gid`, its counters zero; -1 when the table is full. */
  claim(gid: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === SLOTS_MAX) return -1;
      slot = this.used++;
      const need = (OWNER_WORDS + this.used * SLOT_WORDS) * WORD;
      if (need > this.buffer.byteLength) {
        this.buffer.grow(Math.min(this.buffer.maxByteLength, Math.max(need, 2 * this.buffer.byteLength)));
        this.words = new Float64Array(this.buffer, 0, this.buffer.byteLength / WORD);
        this.states = new Int32Array(this.buffer, 0, this.buffer.byteLength / Int32Array.BYTES_PER_ELEMENT);
      }
    }
    const base = OWNER_WORDS + slot * SLOT_WORDS;
    this.words.fill(0, base + 1, base + SLOT_WORDS);
    Atomics.store(this.states, 2 * (base + SHARD.STATE), gid + 1);
    return base;
  }

  /** The shard is gone from this owner: its final counts stay readable until the slot is claimed again. */
  release(base: number): void {
    if (base < 0) return;
    const i = 2 * (base + SHARD.STATE);
    Atomics.store(this.states, i, -Math.abs(Atomics.load(this.states, i)));
    this.free.push((base - OWNER_WORDS) / SLOT_WORDS);
  }

  /** A sync of `seconds` into the owner's counters and histogram. */
  sync(seconds: number): void {
    const w = this.words;
    w[OWNER.SYNCS]! += 1;
    w[OWNER.SYNC_SECONDS]! += seconds;
    let b = 0;
    while (b < SYNC_BUCKETS_S.length && seconds > SYNC_BUCKETS_S[b]!) b++;
    w[OWNER.SYNC_HISTOGRAM + b]! += 1;
  }
}

/** What the main thread reads of one owner's table. */
export interface OwnerCounters {
  commits: number;
  syncs: number;
  syncSeconds: number;
  /** Per bucket of SYNC_BUCKETS_S, then +Inf; not cumulative. */
  syncBuckets: number[];
}

/** The main thread's side: a snapshot of the owner's counters, and each shard's slot by gid. */
export class MetricsReader {
  /** Length-tracking: they see the owner grow the table. */
  private readonly words: Float64Array;
  private readonly states: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Float64Array(buffer);
    this.states = new Int32Array(buffer);
  }

  owner(): OwnerCounters {
    const w = this.words;
    const buckets: number[] = [];
    for (let b = 0; b <= SYNC_BUCKETS_S.length; b++) buckets.push(w[OWNER.SYNC_HISTOGRAM + b]!);
    return { commits: w[OWNER.COMMITS]!, syncs: w[OWNER.SYNCS]!, syncSeconds: w[OWNER.SYNC_SECONDS]!, syncBuckets: buckets };
  }

  /** The slot of every shard the owner has, by gid, as of now (one pass over the table). */
  slots(): Map<number, number> {
    const out = new Map<number, number>();
    for (let base = OWNER_WORDS; base + SLOT_WORDS <= this.words.length; base += SLOT_WORDS) {
      const g = Atomics.load(this.states, 2 * (base + SHARD.STATE));
      if (g > 0) out.set(g - 1, base);
    }
    return out;
  }

  /** The slot holding `gid`'s counts (the owner has the shard, or let it go and kept them), or -1. */
  slotOf(gid: number): number {
    for (let base = OWNER_WORDS; base + SLOT_WORDS <= this.words.length; base += SLOT_WORDS) {
      if (Math.abs(Atomics.load(this.states, 2 * (base + SHARD.STATE))) === gid + 1) return base;
    }
    return -1;
  }

  /** Whether the slot at `base` still holds `gid`'s counts: the owner has the shard, or let it go and has not reused the slot. */
  holds(base: number, gid: number): boolean {
    return Math.abs(Atomics.load(this.states, 2 * (base + SHARD.STATE))) === gid + 1;
  }

  /** One counter of the slot at `base` (from slots()). */
  read(base: number, field: number): number {
    return this.words[base + field]!;
  }
}
