import { native } from '../../native/index.js';

/** Most copies one plan holds; a message with more records flushes part-way. */
const PLAN_ENTRIES = 4096;
/** The addon takes at most this many distinct arenas per plan. */
const PLAN_ARENAS = 64;

/**
 * The record copies of one owner message, out of the shared request ring into the shards' log
 * arenas, gathered into a plan and run in one native call (native copyPlan). Copying each record
 * with TypedArray.prototype.set from a SharedArrayBuffer was the owner's largest cost.
 */
export class CopyBatch {
  private readonly plan = new Uint32Array(4 * PLAN_ENTRIES);
  private readonly arenas: Uint8Array[] = [];
  private count = 0;
  private last: Uint8Array | null = null;
  private lastIndex = 0;
  private src: Uint8Array = new Uint8Array(0);

  /** Starts a message: later add() offsets are into `src`. */
  begin(src: Uint8Array): void {
    this.src = src;
  }

  add(arena: Uint8Array, arenaOffset: number, srcOffset: number, length: number): void {
    if (arena !== this.last) {
      let index = this.arenas.indexOf(arena);
      if (index === -1) {
        if (this.arenas.length === PLAN_ARENAS) this.flush();
        index = this.arenas.push(arena) - 1;
      }
      this.last = arena;
      this.lastIndex = index;
    }
    const e = 4 * this.count;
    this.plan[e] = this.lastIndex;
    this.plan[e + 1] = arenaOffset;
    this.plan[e + 2] = srcOffset;
    this.plan[e + 3] = length;
    if (++this.count === PLAN_ENTRIES) this.flush();
  }

  /** Runs every gathered copy. */
  flush(): void {
    try {
      if (this.count > 0) native.copyPlan(this.src, this.plan, this.count, this.arenas);
    } finally {
      this.count = 0;
      this.arenas.length = 0;
      this.last = null;
    }
  }
}
