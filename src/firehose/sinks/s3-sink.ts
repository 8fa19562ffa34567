// Delivery to an S3 endpoint (AWS, MinIO, moto, s3rver) with the AWS SDK v3. A body up to
// multipartThresholdBytes is one PutObject; a larger one is a multipart upload whose parts are
// uploaded a few at a time and then completed, and aborted on any failure, so a rejected put leaves
// neither an object nor (where the server implements AbortMultipartUpload) stored parts behind.
// S3 shows an object only once PutObject or CompleteMultipartUpload succeeds, so a reader never
// sees part of one.
//
// Credentials come from the SDK's default provider chain (AWS_ACCESS_KEY_ID..., AWS_PROFILE and
// ~/.aws/credentials, SSO, web identity, container and instance roles). The region comes from the
// option, else AWS_REGION or the profile in ~/.aws/config and ~/.aws/credentials, else us-east-1.
// The SDK's own last resort, the EC2 instance metadata service, is skipped: off EC2 it only costs
// time before failing.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
// @smithy/core is a dependency of @aws-sdk/client-s3, whose own region lookup comes from here.
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { bucketProblem, InFlight, type ObjectMeta, type ObjectSink } from './sink.js';

const MiB = 1024 * 1024;
/** S3's limits on multipart uploads: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000. */
const PART_BYTES_MIN = 5 * MiB;
const PART_BYTES_MAX = 5 * 1024 * MiB;
const PARTS_MAX = 10_000;

export interface S3SinkOptions {
  /** The S3 endpoint, e.g. 'http://127.0.0.1:9000' or 'https://s3.eu-west-1.amazonaws.com'. */
  endpoint: string;
  /** Default: AWS_REGION, else the profile's region in the AWS config files, else 'us-east-1'. */
  region?: string | undefined;
  /** Default: the SDK's default provider chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Bucket in the path (http://host/bucket/key) rather than the host name. Default true: S3-compatible servers need it. */
  forcePathStyle?: boolean | undefined;
  /** Bodies larger than this go as a multipart upload. Default 16 MiB; at least partBytes. */
  multipartThresholdBytes?: number | undefined;
  /** Part size of a multipart upload. Default 8 MiB; 5 MiB to 5 GiB. */
  partBytes?: number | undefined;
  /** Parts of one upload sent at once. Default 4; 1 to 16. */
  partConcurrency?: number | undefined;
  /** Longest wait for a TCP connection. Default 5,000 ms. */
  connectionTimeoutMs?: number | undefined;
  /** Longest time one request (sending the body and reading the answer) may take. Default 60,000 ms. */
  requestTimeoutMs?: number | undefined;
  /**
   * Attempts per request, the SDK's retries of throttling, 5xx and network errors included.
   * Default 3. A put rejects within about maxAttempts × (connectionTimeoutMs + requestTimeoutMs)
   * plus the SDK's backoff (at most 20 s between attempts) per request it makes.
   */
  maxAttempts?: number | undefined;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`S3Sink: ${name} must be an integer from ${min} to ${max} (got ${value})`);
  return value;
}

/** AWS_REGION, else the profile's region in the AWS config files, else us-east-1 (not EC2 metadata); read once, at the first request. */
function defaultRegion(): () => Promise<string> {
  return loadConfig({ ...NODE_REGION_CONFIG_OPTIONS, default: () => 'us-east-1' }, NODE_REGION_CONFIG_FILE_OPTIONS);
}

function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? 'Error'}${status === undefined ? '' : ` (HTTP ${status})`}: ${e.message ?? String(err)}`;
}

/** A multipart upload that failed (reason) and was aborted, or not (abortProblem says why). */
class MultipartFailure extends Error {
  constructor(
    readonly reason: unknown,
    readonly abortProblem: string | undefined,
  ) {
    super('multipart upload failed');
  }
}

export class S3Sink implements ObjectSink {
  readonly description: string;
  readonly client: S3Client;
  readonly multipartThresholdBytes: number;
  readonly partBytes: number;
  readonly partConcurrency: number;
  readonly #inFlight = new InFlight();

  constructor(options: S3SinkOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new RangeError(`S3Sink: endpoint must be an http:// or https:// URL (got ${JSON.stringify(options.endpoint)})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`S3Sink: endpoint must be an http:// or https:// URL (got ${JSON.stringify(options.endpoint)})`);
    this.partBytes = checkRange('partBytes', options.partBytes ?? 8 * MiB, PART_BYTES_MIN, PART_BYTES_MAX);
    this.multipartThresholdBytes = checkRange('multipartThresholdBytes', options.multipartThresholdBytes ?? 16 * MiB, this.partBytes, PART_BYTES_MAX);
    this.partConcurrency = checkRange('partConcurrency', options.partConcurrency ?? 4, 1, 16);
    const connectionTimeout = checkRange('connectionTimeoutMs', options.connectionTimeoutMs ?? 5_000, 1, 600_000);
    const requestTimeout = checkRange('requestTimeoutMs', options.requestTimeoutMs ?? 60_000, 1, 3_600_000);
    const maxAttempts = checkRange('maxAttempts', options.maxAttempts ?? 3, 1, 10);
    this.description = `S3 endpoint ${options.endpoint}`;
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? defaultRegion(),
      forcePathStyle: options.forcePathStyle ?? true,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      maxAttempts,
      // Since v3.729 the SDK adds x-amz-checksum-crc32 to every upload (WHEN_SUPPORTED), which
      // S3-compatible servers without the new checksums refuse (aws/aws-sdk-js-v3#6810: R2 answers
      // 501). PutObject and UploadPart require none.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Options for the SDK's NodeHttpHandler. requestTimeout bounds the whole request only with
      // throwOnRequestTimeout (without it a late request is just logged); socketTimeout catches a
      // server that stops answering in the middle.
      requestHandler: { connectionTimeout, requestTimeout, throwOnRequestTimeout: true, socketTimeout: requestTimeout },
    });
  }

  /** S3's own rules: a valid bucket name, keys of 1-1024 bytes. */
  readonly holdsAnyKey = true;

  problem(bucket: string, key: string): string | undefined {
    const bytes = Buffer.byteLength(key);
    return bucketProblem(bucket) ?? (bytes === 0 || bytes > 1024 ? `an S3 key is 1-1024 bytes of UTF-8 (this one is ${bytes})` : undefined);
  }

  put(bucket: string, key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    const what = `storing s3://${bucket}/${key} at ${this.description}`;
    return this.#inFlight.run(what, async () => {
      try {
        if (body.byteLength <= this.multipartThresholdBytes) {
          await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.byteLength, ...headers(meta) }));
        } else {
          await this.#multipart(bucket, key, body, meta);
        }
      } catch (err) {
        if (!(err instanceof MultipartFailure)) throw new Error(`${what} failed: ${describeError(err)}`, { cause: err });
        const abort = err.abortProblem === undefined ? '' : `; ${err.abortProblem}`;
        throw new Error(`${what} failed: ${describeError(err.reason)}${abort}`, { cause: err.reason });
      }
    });
  }

  async #multipart(bucket: string, key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    const count = Math.ceil(body.byteLength / this.partBytes);
    if (count > PARTS_MAX) throw new RangeError(`a body of ${body.byteLength} bytes needs ${count} parts of ${this.partBytes} bytes; S3 takes at most ${PARTS_MAX}`);
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...headers(meta) }));
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error('CreateMultipartUpload answered without an UploadId');
    try {
      await this.#uploadParts(bucket, key, uploadId, body, count);
    } catch (err) {
      // Stored parts cost money and show in ListMultipartUploads until aborted. If the abort fails
      // too (the server is down), the error says so: a bucket lifecycle rule
      // (AbortIncompleteMultipartUpload) is what cleans up then.
      let abortProblem: string | undefined;
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (abortErr) {
        abortProblem = `aborting upload ${uploadId} failed too: ${describeError(abortErr)}`;
      }
      throw new MultipartFailure(err, abortProblem);
    }
  }

  /** UploadPart × count, partConcurrency at a time, then CompleteMultipartUpload; the first failure cancels the rest. */
  async #uploadParts(bucket: string, key: string, uploadId: string, body: Uint8Array, count: number): Promise<void> {
    const parts = new Array<CompletedPart>(count);
    const cancel = new AbortController();
    let next = 0;
    let first: { err: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (next < count && first === undefined) {
        const index = next++;
        const chunk = body.subarray(index * this.partBytes, Math.min(body.byteLength, (index + 1) * this.partBytes));
        try {
          const command = new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: index + 1, Body: chunk, ContentLength: chunk.byteLength });
          const out = await this.client.send(command, { abortSignal: cancel.signal });
          if (out.ETag === undefined) throw new Error(`UploadPart ${index + 1} answered without an ETag`);
          parts[index] = { PartNumber: index + 1, ETag: out.ETag };
        } catch (err) {
          first ??= { err };
          cancel.abort();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.partConcurrency, count) }, worker));
    if (first !== undefined) throw first.err;
    await this.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  }

  async close(): Promise<void> {
    await this.#inFlight.close();
    this.client.destroy();
  }
}

function headers(meta: ObjectMeta): { ContentType: string; ContentEncoding?: string } {
  return meta.contentEncoding === undefined ? { ContentType: meta.contentType } : { ContentType: meta.contentType, ContentEncoding: meta.contentEncoding };
}
