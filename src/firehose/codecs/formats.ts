// The S3 destination's CompressionFormat values and what each writes: the object's bytes, the key's
// extension and its Content-Encoding (FIREHOSE-FACTS.md §1.7; ExtendedS3DestinationConfiguration:
// "Valid Values: UNCOMPRESSED | GZIP | ZIP | Snappy | HADOOP_SNAPPY", matched case-sensitively).
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { hadoopSnappy } from './hadoop-snappy.js';
import { snappyJavaStream } from './snappy-java.js';
import { zipSingleEntry } from './zip.js';

export const COMPRESSION_FORMATS = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const;
export type CompressionFormat = (typeof COMPRESSION_FORMATS)[number];

export function isCompressionFormat(value: unknown): value is CompressionFormat {
  return (COMPRESSION_FORMATS as readonly unknown[]).includes(value);
}

interface FormatInfo {
  /** Appended to the object key unless the destination's FileExtension overrides it. */
  extension: string;
  /** The object's Content-Encoding, as AWS labels it; none for UNCOMPRESSED. */
  contentEncoding: string | undefined;
}

const FORMATS: { readonly [F in CompressionFormat]: FormatInfo } = {
  UNCOMPRESSED: { extension: '', contentEncoding: undefined },
  GZIP: { extension: '.gz', contentEncoding: 'gzip' },
  ZIP: { extension: '.zip', contentEncoding: 'zip' },
  Snappy: { extension: '.snappy', contentEncoding: 'snappy-java' },
  // `.snappy`, not `.hsnappy`: the S3 object name page (docs.aws.amazon.com/firehose/latest/dev/
  // s3-object-name.html) still tables "Compression: Hadoop-Snappy | .hsnappy", but the service
  // delivers `.snappy` (reported against real AWS on two dates, Floci issue #2328), and what
  // consumers meet is what the service writes. Only Content-Encoding tells the two Snappy formats apart.
  HADOOP_SNAPPY: { extension: '.snappy', contentEncoding: 'hadoop-snappy' },
};

/** The key extension Firehose appends for `format` ('' for UNCOMPRESSED). */
export function extensionOf(format: CompressionFormat): string {
  return FORMATS[format].extension;
}

/** The Content-Encoding Firehose sets for `format` (undefined for UNCOMPRESSED). */
export function contentEncodingOf(format: CompressionFormat): string | undefined {
  return FORMATS[format].contentEncoding;
}

/**
 * One S3 object's bytes in `format`, synchronously (the pool's worker runs this; compress-pool.ts
 * keeps it off the event loop). Shares no state between calls. UNCOMPRESSED returns `data` itself;
 * every other format returns a new array that owns its ArrayBuffer or, for small GZIP output, a
 * view on part of one (compress-worker.ts copies those before moving them).
 *
 * ZIP names its entry by a fresh random UUID and dates it now, as AWS does; the other formats give
 * the same bytes for the same input.
 */
export function compress(format: CompressionFormat, data: Uint8Array): Uint8Array {
  switch (format) {
    case 'UNCOMPRESSED':
      return data;
    case 'GZIP':
      // One gzip member (RFC 1952) at zlib's default level.
      return gzipSync(data);
    case 'ZIP':
      return zipSingleEntry(data, { name: randomUUID(), modified: new Date() });
    case 'Snappy':
      return snappyJavaStream(data);
    case 'HADOOP_SNAPPY':
      return hadoopSnappy(data);
    default:
      throw new Error(`unknown compression format ${JSON.stringify(format satisfies never)}`);
  }
}
