/**
 * The PutRecords fast path: a Records list that is plainly valid is packed straight into the
 * binary ingest record layout (docs/ws-protocol.md: flags, key length, key, data length, data),
 * base64 decoded in place, with the spans the engine's putPacked reads. No per-record Buffer or
 * input object is made, and the batch takes the same native route-and-pack path as WebSocket
 * frames. Anything unusual (a wrong type, a limit broken, an ExplicitHashKey) returns undefined,
 * and the generic validator and engine path answer it with AWS's exact errors.
 */
import { FRAME_RECORD_FIXED_BYTES, SPAN_WORDS } from '../native/ingest.js';
import { PARTITION_KEY_CHARS_MAX, PUT_RECORDS_LARGE_BYTES_MAX, PUT_RECORDS_MAX, RECORD_BYTES_LIMIT } from '../limits.js';
import { base64Bytes } from '../aws/validate.js';

export class PackedRecords {
  constructor(
    readonly count: number,
    readonly bytes: Buffer,
    readonly spans: Uint32Array,
  ) {}
}


/** The Records list of a PutRecords request, packed, or undefined when the generic path must judge it. */
export function packRecords(val: unknown): PackedRecords | undefined {
  if (!Array.isArray(val) || val.length < 1 || val.length > PUT_RECORDS_MAX) return undefined;
  const count = val.length;
  const spans = new Uint32Array(count * SPAN_WORDS);
  let size = 0;
  let total = 0;
  // Pass 1: check every entry and size it (data lengths into spans[3], key bytes into spans[1]).
  for (let i = 0; i < count; i++) {
    const e = val[i] as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e) || e instanceof Uint8Array) return undefined;
    const key = e.PartitionKey;
    const data = e.Data;
    if (typeof key !== 'string' || key.length < 1 || key.length > PARTITION_KEY_CHARS_MAX) return undefined;
    if (e.ExplicitHashKey !== undefined && e.ExplicitHashKey !== null) return undefined;
    let dataLen: number;
    if (typeof data === 'string') {
      // What decodes short in pass 2 goes to the generic path too (decodeBase64's rules, without a second decode).
      if (data.length % 4 !== 0 || data.includes('-') || data.includes('_')) return undefined;
      dataLen = base64Bytes(data);
    } else if (data instanceof Uint8Array) {
      dataLen = data.length;
    } else {
      return undefined;
    }
    const keyLen = Buffer.byteLength(key, 'utf8');
    if (dataLen > RECORD_BYTES_LIMIT || keyLen + dataLen > RECORD_BYTES_LIMIT) return undefined;
    total += keyLen + dataLen;
    size += FRAME_RECORD_FIXED_BYTES + keyLen + dataLen;
    spans[i * SPAN_WORDS + 1] = keyLen;
    spans[i * SPAN_WORDS + 3] = dataLen;
  }
  // The stream's own limits are checked once it is known (record-size.ts checkSpanSizes).
  if (total > PUT_RECORDS_LARGE_BYTES_MAX) return undefined;
  // Pass 2: write them.
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const e = val[i] as { PartitionKey: string; Data: string | Uint8Array };
    const s = i * SPAN_WORDS;
    const keyLen = spans[s + 1] as number;
    const dataLen = spans[s + 3] as number;
    bytes[at] = 0;
    bytes.writeUInt16LE(keyLen, at + 1);
    bytes.write(e.PartitionKey, at + 3, keyLen, 'utf8');
    spans[s] = at + 3;
    at += 3 + keyLen;
    bytes.writeUInt32LE(dataLen, at);
    at += 4;
    if (typeof e.Data === 'string') {
      if (bytes.write(e.Data, at, dataLen, 'base64') !== dataLen) return undefined; // not base64: the generic path says why
    } else bytes.set(e.Data, at);
    spans[s + 2] = at;
    spans[s + 4] = 0;
    at += dataLen;
  }
  return new PackedRecords(count, bytes, spans);
}
