// The S3 object name Firehose gives each delivered object, and the checks on the two members that
// shape it beyond the prefix (FileExtension, CustomTimeZone).
// https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html: the key is
// `<evaluated prefix><suffix>`, the suffix `<stream name>-<stream version>-<yyyy>-<MM>-<dd>-<HH>-
// <mm>-<ss>-<uuid><file extension>`, its time the oldest record's approximate arrival in
// CustomTimeZone (UTC by default), "the time zone used for time prefix and suffix".
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../../aws/errors.js';
import { compileDatePattern } from './date-pattern.js';
import { isKnownTimeZone, zonedTime } from './zone-time.js';

export const DEFAULT_TIME_ZONE = 'UTC';

const SUFFIX_TIME = compileDatePattern('yyyy-MM-dd-HH-mm-ss');

export interface ObjectKeyInput {
  /** The evaluated prefix (CompiledPrefixes.evaluate or evaluateError). */
  readonly prefix: string;
  readonly streamName: string;
  /** DeliveryStreamVersionId: 1, then one more for each configuration change. */
  readonly version: number | string;
  /** The approximate arrival time of the oldest record in the object, ms since the epoch. */
  readonly timestampMs: number;
  /** CustomTimeZone as checkTimeZone returned it. */
  readonly timeZone: string;
  /** Defaults to a fresh crypto.randomUUID(). */
  readonly uuid?: string;
  /** FileExtension when given, else the compression's or format conversion's (`.gz`), else none. */
  readonly extension?: string;
}

export function objectKey(k: ObjectKeyInput): string {
  const time = SUFFIX_TIME.format(zonedTime(k.timestampMs, k.timeZone));
  return `${k.prefix}${k.streamName}-${k.version}-${time}-${k.uuid ?? randomUUID()}${k.extension ?? ''}`;
}

export const RANDOM_STRING_LENGTH = 11;

/**
 * `!{firehose:random-string}`: "a random string of 11 characters", fresh for each instance. The
 * alphabet is not documented; both examples AWS gives (`046b6c7f-0b`, `5abf82daaa5`,
 * https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html) are lowercase hex, the first
 * with a `-` where a UUID has one. Riffle uses lowercase hex [INF].
 */
export function randomString(): string {
  return randomBytes(6).toString('hex').slice(0, RANDOM_STRING_LENGTH);
}

/**
 * The extension an object gets: FileExtension "will override the default file extension"
 * (service model, ExtendedS3DestinationConfiguration.FileExtension), the default being the data
 * format conversion's (`.parquet`, `.orc`) or the compression's (`.gz`, `.zip`, `.snappy`), none
 * when UNCOMPRESSED. An empty FileExtension, which the model allows, is taken as not given [INF].
 */
export function objectExtension(fileExtension: string | undefined, defaultExtension: string): string {
  return fileExtension === undefined || fileExtension === '' ? defaultExtension : fileExtension;
}

const FILE_EXTENSION_PATTERN = "^$|\\.[0-9a-z!\\-_.*'()]+";
const FILE_EXTENSION_RE = /^(?:|\.[0-9a-z!\-_.*'()]+)$/;
const FILE_EXTENSION_MAX = 128;

/**
 * FileExtension's constraints from the service model (FileExtension: 0-128 characters,
 * `^$|\.[0-9a-z!\-_.*'()]+`), matched whole, for callers that take the value from somewhere the
 * request validator did not see (a config file, a stored stream). The wording is the request
 * validator's ValidationException; `member` is the path AWS names
 * (`extendedS3DestinationConfiguration.fileExtension`, `...Update.fileExtension`). Returns the
 * value, or undefined for an empty one (see objectExtension).
 */
export function checkFileExtension(value: string | undefined, member: `${string}.fileExtension` = 'extendedS3DestinationConfiguration.fileExtension'): string | undefined {
  if (value === undefined) return undefined;
  let constraint: string | null = null;
  if (value.length > FILE_EXTENSION_MAX) constraint = `Member must have length less than or equal to ${FILE_EXTENSION_MAX}`;
  else if (!FILE_EXTENSION_RE.test(value)) constraint = `Member must satisfy regular expression pattern: ${FILE_EXTENSION_PATTERN}`;
  if (constraint !== null) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`);
  }
  return value === '' ? undefined : value;
}

/**
 * What AWS answers for a three-letter zone such as EST, as users report it (aws-cdk PRs #36089 and
 * #38514, "If you try to create it by specifying a 3-letter time zone such as EST, it will fail
 * with the following message"); it may be CloudFormation's rendering of the service's error.
 */
export const THREE_LETTER_ZONE_MESSAGE = 'AWS Kinesis Firehose delivery stream, the supported IANA time zone formats are non-3-letter identifiers';

/**
 * Zones Intl knows that Firehose does not take: aws-cdk PR #38514 rejects these besides the
 * three-letter ones, matching the supported list in s3-object-name.html, which lists neither.
 */
const UNSUPPORTED_ZONES = new Set(['Etc/UTC', 'Etc/GMT', 'Factory']);

/**
 * CustomTimeZone's meaning: undefined or empty is UTC ("UTC is the default", service model);
 * otherwise a time-zone ID Firehose supports (the list in s3-object-name.html, IANA names). The
 * model's own pattern (`^$|[a-zA-Z/_]+`, 0-50) is the request validator's. Returns the zone to
 * evaluate keys in.
 */
export function checkTimeZone(value: string | undefined): string {
  if (value === undefined || value === '' || value === DEFAULT_TIME_ZONE) return DEFAULT_TIME_ZONE;
  if (/^[A-Za-z]{3}$/.test(value)) throw new AwsError('InvalidArgumentException', THREE_LETTER_ZONE_MESSAGE);
  if (UNSUPPORTED_ZONES.has(value) || !isKnownTimeZone(value)) {
    // wording not confirmed
    throw new AwsError('InvalidArgumentException', `CustomTimeZone ${value} is not a supported time zone. Specify an IANA time zone ID such as America/Los_Angeles, or UTC.`);
  }
  return value;
}
