/**
 * Sequence numbers are decimal strings, as AWS's are, laid out in fixed-width fields so that the
 * number encodes where it came from (AWS rejects a sequence number used on the wrong shard or
 * stream, naming the shard it encodes):
 *
 *   "4" | stream creation time, ms (13 digits) | shard index (10 digits) | counter (20 digits)
 *
 * 44 digits, always. Within a shard, numeric order is counter order, so they strictly increase;
 * the stream creation time and shard index make them unique per stream, and keep a re-created
 * stream's numbers from being mistaken for the old one's. The counter is the shard log's own
 * position key (see log/), so no lookup table is needed.
 */
export interface SequenceParts {
  streamCreatedMs: number;
  shardIndex: number;
  counter: number;
}

const PATTERN = /^4(\d{13})(\d{10})(\d{20})$/;

/** The 24 leading digits shared by every sequence number of one shard (cached on the shard). */
export function sequencePrefix(streamCreatedMs: number, shardIndex: number): string {
  return '4' + String(streamCreatedMs).padStart(13, '0') + String(shardIndex).padStart(10, '0');
}

const ZEROS = Array.from({ length: 21 }, (_, n) => '0'.repeat(n));

export function formatSequenceNumber(prefix: string, counter: number): string {
  const digits = String(counter); // counters stay below 2^53: at most 16 digits
  return prefix + (ZEROS[20 - digits.length] as string) + digits;
}

/** null when the string is not a sequence number this engine could have issued. */
export function parseSequenceNumber(value: string): SequenceParts | null {
  const m = PATTERN.exec(value);
  if (m === null) return null;
  const counter = Number(m[3]);
  if (!Number.isSafeInteger(counter)) return null;
  return { streamCreatedMs: Number(m[1]), shardIndex: Number(m[2]), counter };
}
