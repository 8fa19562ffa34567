import { expect, it } from 'vitest';
import { checkRingLimits, REPLY_RING_BYTES, REQUEST_RING_BYTES } from '../../../src/shard/pool/ring-limits.js';

it('accepts the rings the pool makes', () => {
  expect(() => checkRingLimits()).not.toThrow();
});

it('names both sides when a limit outgrows its ring', () => {
  // Half of a 16 MiB request ring is under a 10 MiB PutRecords' message (and a 12 MiB ingest frame's).
  expect(() => checkRingLimits(REQUEST_RING_BYTES / 2, REPLY_RING_BYTES)).toThrow(
    'the largest PutRecords owner message (PUT_RECORDS_MAX, PUT_RECORDS_LARGE_BYTES_MAX) (10495772 bytes) does not fit half the request ring (REQUEST_RING_BYTES / 2) (8388604 bytes): grow the ring or lower the limit',
  );
  expect(() => checkRingLimits(REQUEST_RING_BYTES, REPLY_RING_BYTES / 2)).toThrow(
    /the largest GetRecords reply \(GET_RECORDS_BYTES_MAX, GET_RECORDS_MAX\) \(10705788 bytes\) does not fit half the reply ring \(REPLY_RING_BYTES \/ 2\) \(8388604 bytes\)/,
  );
});
