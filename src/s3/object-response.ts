// What GetObject and HeadObject answer alike: the object's headers, its conditions, its range,
// and (GetObject) the body streamed from the open file.
import type { FileHandle } from 'node:fs/promises';
import type { AwsHttpResponse, BodySink, StreamingBody } from '../aws/http.js';
import { evaluateConditions } from './conditions.js';
import { S3Error, invalidArgument } from './errors.js';
import type { ObjectMeta, OpenObject } from './object-store.js';
import { parseRange } from './range.js';
import type { S3Request } from './request.js';

/**
 * Content-Encoding by the key's extension, for an object stored without metadata (copied in by
 * hand, or written before the layout kept metadata): the names Firehose gives its compression
 * formats, GZIP → .gz, ZIP → .zip, Snappy → .snappy (snappy-java's framing, Firehose's "Snappy").
 * Firehose names HADOOP_SNAPPY objects .snappy too; only stored metadata tells them apart
 * ('hadoop-snappy'), and where it is stored it is what counts. Content-Type without metadata:
 * application/octet-stream.
 */
const CONTENT_ENCODINGS: ReadonlyArray<readonly [string, string]> = [
  ['.gz', 'gzip'],
  ['.zip', 'zip'],
  ['.snappy', 'snappy-java'],
];
const CONTENT_TYPE = 'application/octet-stream';

export function contentEncodingOf(key: string): string | undefined {
  return CONTENT_ENCODINGS.find(([extension]) => key.endsWith(extension))?.[1];
}

/** GetObject's response-* query parameters, which replace the headers they name (GetObject API reference). */
const RESPONSE_OVERRIDES: ReadonlyArray<readonly [string, string]> = [
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
  ['response-content-language', 'Content-Language'],
  ['response-content-type', 'Content-Type'],
  ['response-expires', 'Expires'],
];

/** The object's headers, without the length (the transport writes it): its stored metadata, or what its key says. */
export function objectHeaders(req: S3Request, obj: OpenObject, etag: string, meta: ObjectMeta | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    'Content-Type': meta?.contentType ?? CONTENT_TYPE,
    ETag: etag,
    'Last-Modified': new Date(obj.stat.mtimeMs).toUTCString(),
  };
  const encoding = meta === undefined ? contentEncodingOf(req.key) : meta.contentEncoding;
  if (encoding !== undefined) headers['Content-Encoding'] = encoding;
  for (const [param, header] of RESPONSE_OVERRIDES) {
    const value = req.query.get(param);
    if (value !== null) headers[header] = value;
  }
  return headers;
}

/** A header value that can be sent as is: tab and printable ASCII (no CR or LF to start another header). */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Objects here have one version, S3's 'null' (an unversioned bucket's); any other is not one of
 * them. And the response-* overrides must be values a header can carry (checked before the object
 * is opened, so a refusal holds no file).
 */
export function checkVersionId(req: S3Request): void {
  const versionId = req.query.get('versionId');
  if (versionId !== null && versionId !== 'null') throw invalidArgument('Invalid version id specified', 'versionId', versionId);
  for (const [param] of RESPONSE_OVERRIDES) {
    const value = req.query.get(param);
    // wording not confirmed (S3 answers InvalidArgument for a bad override)
    if (value !== null && !HEADER_VALUE.test(value)) throw invalidArgument(`${param} must be a value an HTTP header can carry`, param, value);
  }
}

/** A 304 when a condition says not modified, PreconditionFailed when one fails, else undefined. */
export function checkConditions(req: S3Request, obj: OpenObject, headers: Record<string, string>): AwsHttpResponse | undefined {
  const result = evaluateConditions(req.headers, headers.ETag as string, obj.stat.mtimeMs);
  if (result.kind === 'failed') throw new S3Error('PreconditionFailed', { details: [['Condition', result.condition]] });
  if (result.kind === 'not-modified') {
    return { status: 304, headers: { ETag: headers.ETag as string, 'Last-Modified': headers['Last-Modified'] as string }, body: '' };
  }
  return undefined;
}

export interface ByteSpan {
  status: 200 | 206;
  start: number;
  length: number;
}

/** The bytes to send: the whole object, or the range asked for (206, Content-Range set); InvalidRange. */
export function selectBytes(req: S3Request, size: number, headers: Record<string, string>): ByteSpan {
  const header = req.headers.range;
  const range = parseRange(header, size);
  if (range.kind === 'whole') return { status: 200, start: 0, length: size };
  if (range.kind === 'unsatisfiable') {
    throw new S3Error('InvalidRange', {
      details: [
        ['RangeRequested', header as string],
        ['ActualObjectSize', String(size)],
      ],
      headers: { 'Content-Range': `bytes */${size}` },
    });
  }
  headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  return { status: 206, start: range.start, length: range.end - range.start + 1 };
}

/** Bytes read from the file per chunk; with the sink's high-water mark, what one response holds. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * A span of an open file as a response body. It owns the handle from here on: closed when the body
 * ends, when the client goes away, or (cancel) when the body is never sent. Reads pause while the
 * transport is over its high-water mark. A file that ends early (truncated while being sent) aborts
 * the response, since a short body would pass for the whole span.
 */
export class FileBody implements StreamingBody {
  constructor(
    private readonly handle: FileHandle,
    private readonly offset: number,
    readonly length: number,
  ) {}

  start(sink: BodySink): void {
    const reader = this.handle.createReadStream({
      start: this.offset,
      end: this.offset + this.length - 1,
      highWaterMark: READ_CHUNK_BYTES,
      autoClose: true,
    });
    let sent = 0;
    reader.on('data', (data: string | Buffer) => {
      const chunk = data as Buffer; // no encoding was set: always bytes
      sent += chunk.length;
      if (!sink.write(chunk)) reader.pause();
    });
    reader.on('end', () => (sent === this.length ? sink.end() : sink.abort()));
    reader.on('error', (err) => {
      console.error('riffle: S3 object read failed:', err);
      sink.abort();
    });
    sink.onDrain(() => reader.resume());
    sink.onClose(() => reader.destroy());
  }

  cancel(): void {
    this.handle.close().catch(() => {});
  }
}
