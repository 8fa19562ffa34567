// Firehose's `ZIP` container: a zip archive holding one deflated entry named by a random UUID with
// no extension, as AWS writes it (FIREHOSE-FACTS.md §1.7). Written here to PKWARE's APPNOTE.TXT
// (§4.3.7 local file header, §4.3.12 central directory header, §4.3.16 end of central directory):
// [local header][deflate data][central directory header][end of central directory]. No data
// descriptor (sizes and CRC are known before the header is written) and no ZIP64: a delivered
// object is at most ~128 MiB, far below the 4 GiB-1 the 32-bit fields hold.
import { crc32, deflateRawSync } from 'node:zlib';

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50;
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
const END_OF_CENTRAL_DIRECTORY_BYTES = 22;
/** 2.0: the version that introduced deflate (APPNOTE §4.4.3.2). Host 0 (MS-DOS): the external attributes are 0, so unzip extracts with its default mode. */
const VERSION = 20;
const METHOD_DEFLATE = 8;
/** 0xFFFFFFFF in a size or offset field means "see the ZIP64 extra field", which this writer never writes. */
const UINT32_LIMIT = 0xffffffff;

export interface ZipEntry {
  /** The entry's name inside the archive (ASCII; AWS uses a UUID). */
  name: string;
  /** The entry's modification time, stored as an MS-DOS date and time (2-second resolution). */
  modified: Date;
}

/**
 * A zip archive of `data` as one deflated entry. Pure: the name and time are the caller's (formats.ts
 * passes a random UUID and now). The result owns its ArrayBuffer (offset 0, exact length).
 */
export function zipSingleEntry(data: Uint8Array, entry: ZipEntry): Uint8Array {
  const name = Buffer.from(entry.name, 'latin1');
  if (name.length === 0 || name.length > 0xffff || !/^[\x20-\x7e]+$/.test(entry.name)) {
    throw new Error(`zip entry name must be 1-65535 printable ASCII characters, got ${JSON.stringify(entry.name)}`);
  }
  const deflated = deflateRawSync(data);
  const crc = crc32(data);
  const centralOffset = LOCAL_HEADER_BYTES + name.length + deflated.length;
  const centralBytes = CENTRAL_HEADER_BYTES + name.length;
  const total = centralOffset + centralBytes + END_OF_CENTRAL_DIRECTORY_BYTES;
  // Programmer error, not bad input: callers hand over at most one buffered object (~128 MiB).
  if (data.length >= UINT32_LIMIT || total >= UINT32_LIMIT) {
    throw new Error(`zip: ${data.length} bytes of input (${total} archived) needs ZIP64, which this writer does not write`);
  }
  const { time, date } = dosDateTime(entry.modified);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  const u16 = (v: number): void => {
    view.setUint16(at, v, true);
    at += 2;
  };
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  const bytes = (b: Uint8Array): void => {
    out.set(b, at);
    at += b.length;
  };
  /** The fields the local and central headers share, from "version needed" to "extra field length". */
  const common = (): void => {
    u16(VERSION); // version needed to extract
    u16(0); // general purpose flags: no encryption, no data descriptor, name in CP437 (ASCII here)
    u16(METHOD_DEFLATE);
    u16(time);
    u16(date);
    u32(crc);
    u32(deflated.length);
    u32(data.length);
    u16(name.length);
    u16(0); // extra field length
  };

  u32(LOCAL_HEADER_SIGNATURE);
  common();
  bytes(name);
  bytes(deflated);

  u32(CENTRAL_HEADER_SIGNATURE);
  u16(VERSION); // version made by: 2.0, MS-DOS attributes
  common();
  u16(0); // file comment length
  u16(0); // disk number start
  u16(0); // internal attributes
  u32(0); // external attributes
  u32(0); // offset of the local header
  bytes(name);

  u32(END_OF_CENTRAL_DIRECTORY_SIGNATURE);
  u16(0); // this disk
  u16(0); // disk where the central directory starts
  u16(1); // entries on this disk
  u16(1); // entries in total
  u32(centralBytes);
  u32(centralOffset);
  u16(0); // comment length
  if (at !== total) throw new Error(`zip: wrote ${at} of ${total} bytes`);
  return out;
}

/**
 * MS-DOS time and date (APPNOTE §4.4.6), from the UTC fields: zip stores no zone, and Firehose
 * names objects in UTC unless CustomTimeZone says otherwise, so UTC keeps the entry's time and the
 * key's time alike whatever the server's TZ. Clamped to the format's range (1980-2107).
 */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(2107, Math.max(1980, d.getUTCFullYear()));
  const date = ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  return { time, date };
}
