/**
 * AWS's event stream encoding (application/vnd.amazon.eventstream), the framing SubscribeToShard's
 * response body is made of. Each message:
 *
 *   u32 total length | u32 headers length | u32 CRC-32 of the 8 bytes before it     (prelude)
 *   headers: u8 name length | name | u8 value type | value   (type 7 = string: u16 length | UTF-8)
 *   payload
 *   u32 CRC-32 of everything before it
 *
 * Big-endian; CRC-32 is the ISO-HDLC (zlib) polynomial, not the log's CRC-32C.
 */
import { crc32 } from 'node:zlib';

const PRELUDE_BYTES = 12;
const STRING_TYPE = 7;

/** One message with string-valued headers (all SubscribeToShard uses). */
export function encodeEventMessage(headers: ReadonlyArray<readonly [string, string]>, payload: Uint8Array): Buffer {
  let headerBytes = 0;
  const encoded = headers.map(([name, value]) => {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    if (n.length > 255 || v.length > 32767) throw new RangeError(`event stream header ${name} is too long`);
    headerBytes += 1 + n.length + 1 + 2 + v.length;
    return [n, v] as const;
  });
  const total = PRELUDE_BYTES + headerBytes + payload.length + 4;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(headerBytes, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  let at = PRELUDE_BYTES;
  for (const [n, v] of encoded) {
    out[at++] = n.length;
    at += n.copy(out, at);
    out[at++] = STRING_TYPE;
    out.writeUInt16BE(v.length, at);
    at += 2;
    at += v.copy(out, at);
  }
  out.set(payload, at);
  at += payload.length;
  out.writeUInt32BE(crc32(out.subarray(0, at)), at);
  return out;
}

/** An event of the stream: `:message-type: event`. */
export function eventMessage(eventType: string, json: Uint8Array | string): Buffer {
  const payload = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  return encodeEventMessage(
    [
      [':event-type', eventType],
      [':content-type', 'application/json'],
      [':message-type', 'event'],
    ],
    payload,
  );
}

/** A modeled error ending the stream: `:message-type: exception`, the body `{"message": ...}`. */
export function exceptionMessage(exceptionType: string, message: string): Buffer {
  return encodeEventMessage(
    [
      [':exception-type', exceptionType],
      [':content-type', 'application/json'],
      [':message-type', 'exception'],
    ],
    Buffer.from(JSON.stringify({ message }), 'utf8'),
  );
}
