import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../../src/aws/errors.js';
import { checkFileExtension, checkTimeZone, objectExtension, objectKey, randomString, THREE_LETTER_ZONE_MESSAGE } from '../../../../src/firehose/keys/object-key.js';
import { compilePrefixes } from '../../../../src/firehose/keys/prefix.js';

const UUID = '0b1c6f4e-5d2a-4a8e-9c3f-7e6d5c4b3a21';

function failure(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected an AwsError');
}

// https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html
describe('S3 object keys', () => {
  it('is <evaluated prefix><name>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>, in UTC by default', () => {
    const at = Date.UTC(2018, 7, 27, 10, 30, 5, 999);
    const prefix = compilePrefixes({ dynamicPartitioning: false }).evaluate(at, 'UTC');
    expect(objectKey({ prefix, streamName: 'my-stream', version: 1, timestampMs: at, timeZone: 'UTC', uuid: UUID, extension: '.gz' })).toBe(
      `2018/08/27/10/my-stream-1-2018-08-27-10-30-05-${UUID}.gz`,
    );
    // No extension when UNCOMPRESSED, and a fresh UUID when none is given.
    const key = objectKey({ prefix: 'p/', streamName: 's', version: '7', timestampMs: at, timeZone: 'UTC' });
    expect(key).toMatch(/^p\/s-7-2018-08-27-10-30-05-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('puts the suffix time in CustomTimeZone too, the same wall clock as the prefix (America/Los_Angeles at the DST transitions)', () => {
    const la = 'America/Los_Angeles';
    const prefixes = compilePrefixes({ dynamicPartitioning: false });
    const key = (ms: number): string => objectKey({ prefix: prefixes.evaluate(ms, la), streamName: 's', version: 3, timestampMs: ms, timeZone: la, uuid: UUID });
    expect(key(Date.UTC(2026, 2, 8, 9, 59, 59))).toBe(`2026/03/08/01/s-3-2026-03-08-01-59-59-${UUID}`);
    expect(key(Date.UTC(2026, 2, 8, 10, 0, 0))).toBe(`2026/03/08/03/s-3-2026-03-08-03-00-00-${UUID}`);
    expect(key(Date.UTC(2026, 10, 1, 8, 59, 59))).toBe(`2026/11/01/01/s-3-2026-11-01-01-59-59-${UUID}`);
    expect(key(Date.UTC(2026, 10, 1, 9, 0, 0))).toBe(`2026/11/01/01/s-3-2026-11-01-01-00-00-${UUID}`);
    expect(key(Date.UTC(2026, 0, 1, 7, 59, 59))).toBe(`2025/12/31/23/s-3-2025-12-31-23-59-59-${UUID}`);
  });

  it('random-string is 11 lowercase hex characters, new each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const r = randomString();
      expect(r).toMatch(/^[0-9a-f]{11}$/);
      seen.add(r);
    }
    expect(seen.size).toBe(1000);
  });

  it('FileExtension overrides the default extension; an empty one does not', () => {
    expect(objectExtension('.json.gz', '.gz')).toBe('.json.gz');
    expect(objectExtension('.log', '')).toBe('.log');
    expect(objectExtension(undefined, '.snappy')).toBe('.snappy');
    expect(objectExtension('', '.zip')).toBe('.zip');
  });
});

describe('FileExtension', () => {
  it("takes the model's pattern, matched whole, and up to 128 characters", () => {
    for (const ok of ['.gz', ".a-b_c.d*e'f(g)!", '.0', `.${'a'.repeat(127)}`]) expect(checkFileExtension(ok)).toBe(ok);
    expect(checkFileExtension('')).toBeUndefined();
    expect(checkFileExtension(undefined)).toBeUndefined();
  });

  it('rejects anything else as the request validator would', () => {
    for (const bad of ['gz', '.', '.GZ', '.g z', 'x.gz', '.gz/']) {
      const err = failure(() => checkFileExtension(bad));
      expect(err.code).toBe('ValidationException');
      expect(err.message).toBe(`1 validation error detected: Value '${bad}' at 'extendedS3DestinationConfiguration.fileExtension' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|\\.[0-9a-z!\\-_.*'()]+`);
    }
    const long = `.${'a'.repeat(128)}`;
    expect(failure(() => checkFileExtension(long, 'extendedS3DestinationUpdate.fileExtension')).message).toBe(
      `1 validation error detected: Value '${long}' at 'extendedS3DestinationUpdate.fileExtension' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
  });
});

describe('CustomTimeZone', () => {
  it('is UTC when absent or empty, and a supported IANA zone otherwise', () => {
    expect(checkTimeZone(undefined)).toBe('UTC');
    expect(checkTimeZone('')).toBe('UTC');
    expect(checkTimeZone('UTC')).toBe('UTC');
    for (const zone of ['Asia/Tokyo', 'America/Los_Angeles', 'America/Argentina/Buenos_Aires', 'Africa/Asmera', 'US/Pacific']) expect(checkTimeZone(zone)).toBe(zone);
  });

  it('rejects three-letter zones with the message users saw', () => {
    for (const zone of ['EST', 'GMT', 'PST', 'utc']) {
      const err = failure(() => checkTimeZone(zone));
      expect(err.code).toBe('InvalidArgumentException');
      expect(err.message).toBe(THREE_LETTER_ZONE_MESSAGE);
    }
    expect(THREE_LETTER_ZONE_MESSAGE).toBe('AWS Kinesis Firehose delivery stream, the supported IANA time zone formats are non-3-letter identifiers');
  });

  it('rejects zones Intl does not know, other cases of known ones, and the ones Firehose does not list', () => {
    for (const zone of ['Bogus/Zone', 'Mars', 'asia/tokyo', 'ASIA/TOKYO', 'Etc/UTC', 'Etc/GMT', 'Factory']) {
      const err = failure(() => checkTimeZone(zone));
      expect(err.code).toBe('InvalidArgumentException');
      expect(err.message).toBe(`CustomTimeZone ${zone} is not a supported time zone. Specify an IANA time zone ID such as America/Los_Angeles, or UTC.`);
    }
  });
});
