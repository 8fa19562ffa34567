/**
 * One shard's log, written only by the shard's owner thread. Records are addressed by their
 * sequence counter (see engine/sequence-number.ts), which strictly increases but may skip values
 * (SequenceNumberForOrdering can move it forward). Arrival times never decrease within a shard.
 *
 * MemoryLog (in-memory streams) and FileLog (durable streams: segment files with a sparse index,
 * recent records also in memory) implement it.
 */
export interface LogRecord {
  seq: number;
  arrivalMs: number;
  /**
   * Views into the log's memory (or, for records a durable log read from disk, its thread's read
   * buffer): valid until the next append, trim or read on this thread.
   */
  key: Uint8Array;
  data: Uint8Array;
}

export interface ReadResult {
  records: LogRecord[];
  /** Counter to continue from: one past the last record returned, or `fromSeq` when none. */
  nextSeq: number;
  bytes: number;
}

export interface ShardLog {
  /** Appends one record: its key at src[offset, offset + keyLen), its data right after it. */
  append(seq: number, arrivalMs: number, src: Uint8Array, offset: number, keyLen: number, dataLen: number): void;
  /**
   * Appends one record whose keyLen + dataLen bytes (key, then data) the caller copies into
   * `tailArena` at the returned offset before the log is next read or trimmed. Lets an owner copy
   * a whole message's records out of the shared ring in one native call.
   */
  reserve(seq: number, arrivalMs: number, keyLen: number, dataLen: number): number;
  /** Where the last reserve() put its record (valid until the next reserve). */
  readonly tailArena: Uint8Array;
  /** Records with seq >= fromSeq (or from the trim horizon if that is later), in order. */
  read(fromSeq: number, limit: number, maxBytes: number): ReadResult;
  /** Seq of the first retained record with arrival >= timeMs, or null if there is none. */
  seekTime(timeMs: number): number | null;
  /** Arrival time of the first retained record at or after `seq`, or null. */
  arrivalAt(seq: number): number | null;
  /** Frees everything (the shard is deleted); the log is not used again. */
  dispose(): void;
  /** Drops records that arrived before `cutoffMs`: reads and seeks no longer see them. */
  trimBefore(cutoffMs: number): void;
}
