/**
 * A shard owner's health, in shared memory so the main thread reads it without a message: OK, or
 * HOLDING while its logs cannot be written (EMFILE, ENOSPC...) and the owner holds every
 * acknowledgement and retries until the disk takes the records again.
 *
 * Int32 words: [0] state, [1] when it began (engine ms, low 31 bits are enough to time it: see `since`).
 */
export const OWNER_HEALTH = { OK: 0, HOLDING: 1 } as const;

export const OWNER_HEALTH_BYTES = 2 * Int32Array.BYTES_PER_ELEMENT;

/** Errors a write or an open can give that pass by themselves: descriptors, space, memory. */
const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'ENOSPC', 'EDQUOT', 'ENOMEM', 'EAGAIN']);

export function isTransientIoError(err: unknown): boolean {
  return err instanceof Error && TRANSIENT_CODES.has((err as NodeJS.ErrnoException).code ?? '');
}

export class OwnerHealth {
  private readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(OWNER_HEALTH_BYTES);
  }

  get holding(): boolean {
    return Atomics.load(this.words, 0) === OWNER_HEALTH.HOLDING;
  }

  hold(nowMs: number): void {
    Atomics.store(this.words, 1, nowMs & 0x7fffffff);
    Atomics.store(this.words, 0, OWNER_HEALTH.HOLDING);
  }

  release(): void {
    Atomics.store(this.words, 0, OWNER_HEALTH.OK);
  }

  /** Milliseconds it has been holding at `nowMs` (0 when OK). */
  heldFor(nowMs: number): number {
    if (!this.holding) return 0;
    return ((nowMs & 0x7fffffff) - Atomics.load(this.words, 1) + 0x80000000) % 0x80000000;
  }
}
