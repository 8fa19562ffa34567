// Body codecs for the two AWS wire formats Kinesis speaks: AWS JSON 1.1 and AWS CBOR 1.1.
//
// Timestamps differ between them, and the difference is not RFC 8949's:
// - JSON 1.1: epoch seconds as a number with a millisecond fraction (AWS CLI shows
//   "ApproximateArrivalTimestamp": 1506440188.749).
// - x-amz-cbor-1.1: tag 1 around an INTEGER count of epoch MILLISECONDS, although RFC 8949 §3.4.2
//   says seconds. Sources: aws-sdk-java-v2 core/protocols/aws-cbor-protocol SdkCborGenerator
//   (`writeTag(1); writeNumber(instant.toEpochMilli())`) and AwsCborProtocolFactory
//   (PAYLOAD -> UNIX_TIMESTAMP_MILLIS: "CBOR uses epoch millis for timestamps"); aws-sdk-java v1
//   SdkCborGenerator and SimpleTypeCborUnmarshallers.DateCborUnmarshaller (`new Date(getLongValue())`).
//   The v2 unmarshaller parses the number's text with Long.parseLong, so a float such as
//   1.603149588042E9 fails (localstack/localstack#3134, which also shows real Kinesis sending
//   1603152823565); aws-sdk-java-v2#4661 and localstack#11071 confirm requests carry millis too.
//   So responses write tag 1 + uint64 millis, and requests read tag 1 as millis.
import { Decoder, Encoder, Tag, type Options } from 'cbor-x';

// int64AsNumber: the Java SDK writes 8-byte integers (e.g. epoch millis) which cbor-x would
// otherwise decode as BigInt. Maps become plain objects (cbor-x guards '__proto__').
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true } as Options);
// tagUint8Array: false writes blobs as bare byte strings (major type 2), never tag 64.
const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false });

const UINT32_MAX = 0xffff_ffff;
const INT32_MIN = -0x8000_0000;

/** Thrown for a body that is not a well-formed JSON/CBOR object; maps to SerializationException. */
export class MalformedBodyError extends Error {}

/** Parses an AWS JSON 1.1 body. Timestamps stay numbers (epoch seconds); blobs stay base64 strings. */
export function decodeJsonBody(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new MalformedBodyError('invalid JSON', { cause });
  }
  return asObject(value);
}

/**
 * Parses an AWS CBOR 1.1 body. Byte strings become Buffer, tag-1 timestamps become Date (read as
 * epoch millis, see the top of this file).
 */
export function decodeCborBody(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    // cbor-x's built-in tag-1 reader computes new Date(Math.round(v * 1000)) (RFC seconds), and its
    // tag table is module-global, so rather than re-register it for the whole process we undo the
    // factor here. Exact for integer millis below 2^53 / 1000 (year 2255). Tag 0 (date strings)
    // also yields Date, but no x-amz-cbor-1.1 client writes tag 0.
    value = millisFromCborDates(cborDecoder.decode(body));
  } catch (cause) {
    throw new MalformedBodyError('invalid CBOR', { cause });
  }
  return asObject(value);
}

/** AWS JSON 1.1: blobs as base64 strings, Date as epoch seconds with millisecond fraction. */
export function encodeJsonBody(value: Record<string, unknown>): string {
  return JSON.stringify(toJsonValue(value));
}

/** AWS CBOR 1.1: blobs as byte strings, Date as tag 1 + uint64 epoch millis. */
export function encodeCborBody(value: Record<string, unknown>): Buffer {
  return cborEncoder.encode(toCborValue(value));
}

function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedBodyError('body is not an object');
  }
  return value as Record<string, unknown>;
}

function millisFromCborDates(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime() / 1000);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = millisFromCborDates(value[i]);
    return value;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) value[key] = millisFromCborDates(value[key]);
  }
  return value;
}

function toJsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  // Buffer is a Uint8Array; JSON.stringify would call Buffer#toJSON before any replacer could see
  // it, hence this walk instead of a replacer.
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (isPlainObject(value)) return mapObject(value, toJsonValue);
  return value;
}

function toCborValue(value: unknown): unknown {
  // BigInt makes cbor-x write a major-type-0 uint64 (0x1b) instead of a float64.
  if (value instanceof Date) return new Tag(BigInt(value.getTime()), 1);
  if (value instanceof Uint8Array) return value;
  // cbor-x writes integers beyond 32 bits as float64; Java's Long unmarshaller needs an integer.
  if (typeof value === 'number' && Number.isSafeInteger(value) && (value > UINT32_MAX || value < INT32_MIN)) {
    return BigInt(value);
  }
  if (Array.isArray(value)) return value.map(toCborValue);
  if (isPlainObject(value)) return mapObject(value, toCborValue);
  return value;
}

/** Copies an object, mapping values and dropping undefined members as JSON.stringify does. */
function mapObject(value: Record<string, unknown>, map: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = value[key];
    if (member !== undefined) out[key] = map(member);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array);
}
