import { GET_RECORDS_BYTES_MAX, GET_RECORDS_MAX, INGEST_FRAME_BYTES_MAX, INGEST_RECORDS_MAX, PUT_RECORDS_LARGE_BYTES_MAX, PUT_RECORDS_MAX } from '../../limits.js';
import { FRAME_RECORD_FIXED_BYTES, INGEST_RECORD_FIXED_BYTES } from '../../native/ingest.js';
import { ByteRing } from '../../ring/byte-ring.js';
import { HEADER_BYTES, INGEST_HEADER_BYTES, PUT_RECORD_FIXED_BYTES, READ_RECORD_FIXED_BYTES, READ_REPLY_FIXED_BYTES } from '../messages.js';

/** Each owner's request ring (main → owner): the largest request message must fit half of it. */
export const REQUEST_RING_BYTES = 32 * 1024 * 1024;
/** Each owner's reply ring (owner → main): the largest reply, a full GetRecords, must fit half of it. */
export const REPLY_RING_BYTES = 32 * 1024 * 1024;

/**
 * The limits that depend on each other, checked once when the pool starts: a message larger than
 * half its ring could wait for room forever (byte-ring.ts maxMessageBytes). Each line names both
 * sides, so whoever raises a limit learns which ring to grow.
 */
export function checkRingLimits(requestRingBytes = REQUEST_RING_BYTES, replyRingBytes = REPLY_RING_BYTES): void {
  const request = ByteRing.maxMessageBytesFor(requestRingBytes);
  const reply = ByteRing.maxMessageBytesFor(replyRingBytes);
  // A PutRecords: every record with its fixed part and an ordering counter, all data and keys.
  const put = HEADER_BYTES + 4 + PUT_RECORDS_MAX * (PUT_RECORD_FIXED_BYTES + 8) + PUT_RECORDS_LARGE_BYTES_MAX;
  // A WebSocket PUT frame's records (inflated: at most the frame limit) become an INGEST message
  // with a larger fixed part per record (and no hash key).
  const ingest = INGEST_HEADER_BYTES + INGEST_FRAME_BYTES_MAX + INGEST_RECORDS_MAX * Math.max(0, INGEST_RECORD_FIXED_BYTES - FRAME_RECORD_FIXED_BYTES);
  // A GetRecords reply: at most GET_RECORDS_BYTES_MAX of keys and data (a read stops before a
  // record that would pass it, unless it is the first) and GET_RECORDS_MAX records' fixed parts.
  const read = HEADER_BYTES + READ_REPLY_FIXED_BYTES + GET_RECORDS_MAX * READ_RECORD_FIXED_BYTES + GET_RECORDS_BYTES_MAX;
  const fits = (what: string, bytes: number, ring: string, max: number): void => {
    if (bytes > max) throw new RangeError(`${what} (${bytes} bytes) does not fit ${ring} (${max} bytes): grow the ring or lower the limit`);
  };
  fits('the largest PutRecords owner message (PUT_RECORDS_MAX, PUT_RECORDS_LARGE_BYTES_MAX)', put, 'half the request ring (REQUEST_RING_BYTES / 2)', request);
  fits('the largest WebSocket ingest frame as an owner message (INGEST_FRAME_BYTES_MAX, INGEST_RECORDS_MAX)', ingest, 'half the request ring (REQUEST_RING_BYTES / 2)', request);
  fits('the largest GetRecords reply (GET_RECORDS_BYTES_MAX, GET_RECORDS_MAX)', read, 'half the reply ring (REPLY_RING_BYTES / 2)', reply);
}
