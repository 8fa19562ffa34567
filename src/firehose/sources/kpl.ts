/**
 * KPL de-aggregation: "Records written with KPL aggregation are de-aggregated before delivery"
 * (Firehose with a Kinesis stream source). The KPL's aggregated record is the 4 magic bytes
 * F3 89 9A C2, a protobuf AggregatedRecord, and the MD5 of that protobuf (16 bytes):
 *   AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
 *                      repeated Record records = 3; }
 *   Record { uint64 partition_key_index = 1; uint64 explicit_hash_key_index = 2; bytes data = 3; repeated Tag tags = 4; }
 * (awslabs/kinesis-aggregation, the KPL's aggregation format). As the KCL does, a record without
 * the magic, too short, with a wrong MD5 or a protobuf that does not parse is a plain record.
 */
import { createHash } from 'node:crypto';

const MAGIC = [0xf3, 0x89, 0x9a, 0xc2] as const;
const MD5_BYTES = 16;

/**
 * The user records inside `data` (views into it), or null when it is not an aggregated record (a
 * plain record costs a look at its first byte: nothing is made for it).
 */
export function deaggregate(data: Uint8Array): readonly Uint8Array[] | null {
  if (data.length < MAGIC.length + MD5_BYTES || data[0] !== MAGIC[0] || data[1] !== MAGIC[1] || data[2] !== MAGIC[2] || data[3] !== MAGIC[3]) return null;
  const body = data.subarray(MAGIC.length, data.length - MD5_BYTES);
  const digest = createHash('md5').update(body).digest();
  if (!digest.equals(data.subarray(data.length - MD5_BYTES))) return null;
  try {
    const records: Uint8Array[] = [];
    for (const [field, wire, value] of fields(body)) {
      if (field !== 3) continue;
      if (wire !== 2 || !(value instanceof Uint8Array)) return null;
      let inner: Uint8Array | null = null;
      for (const [f, w, v] of fields(value)) if (f === 3 && w === 2 && v instanceof Uint8Array) inner = v;
      if (inner === null) return null; // data is required in a Record
      records.push(inner);
    }
    return records;
  } catch {
    return null;
  }
}

/** Reads a varint at `at`; returns [value, next offset]. Throws on a truncated or overlong one. */
function varint(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= buf.length) throw new RangeError('truncated varint');
    const b = buf[at++] as number;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [value, at];
    scale *= 128;
  }
  throw new RangeError('varint too long');
}

/** The top-level fields of a protobuf message: [field number, wire type, value (number or bytes)]. */
function* fields(buf: Uint8Array): Generator<[number, number, number | Uint8Array]> {
  let at = 0;
  while (at < buf.length) {
    const [tag, next] = varint(buf, at);
    at = next;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      const [v, n] = varint(buf, at);
      at = n;
      yield [field, wire, v];
    } else if (wire === 2) {
      const [len, n] = varint(buf, at);
      if (n + len > buf.length) throw new RangeError('truncated field');
      yield [field, wire, buf.subarray(n, n + len)];
      at = n + len;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > buf.length) throw new RangeError('truncated field');
      yield [field, wire, 0];
    } else throw new RangeError(`unsupported wire type ${wire}`);
  }
}
