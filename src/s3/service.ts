// The read-only S3 API over the directory Firehose delivery writes (`<s3Dir>/<bucket>/<key>`),
// path-style (`/<bucket>/<key>`), on both endpoints: a RestService that aws/protocol.ts hands every
// request signed for 's3'. The method, the path and the query name the operation (S3's REST API);
// errors are S3's XML documents, and HEAD answers carry only their status and headers.
import { randomBytes } from 'node:crypto';
import type { AwsHttpRequest, AwsHttpResponse, RestService } from '../aws/http.js';
import type { SigV4Failure } from '../aws/sigv4.js';
import { credentialScope } from '../aws/protocol.js';
import { ETags } from './etags.js';
import { S3Error } from './errors.js';
import { ObjectStore } from './object-store.js';
import { getBucketLocation } from './operations/get-bucket-location.js';
import { getObject } from './operations/get-object.js';
import { headBucket } from './operations/head-bucket.js';
import { headObject } from './operations/head-object.js';
import { listBuckets } from './operations/list-buckets.js';
import { listObjects } from './operations/list-objects.js';
import { listObjectsV2 } from './operations/list-objects-v2.js';
import type { S3Context, S3Operation, S3Request } from './request.js';
import { errorDocument } from './xml.js';

const READ_ONLY =
  "Riffle's S3 API is read-only: objects are written by Firehose delivery, and read with ListBuckets, ListObjects(V2), HeadBucket, HeadObject and GetObject.";
const WRITE_METHODS = new Set(['PUT', 'POST', 'DELETE', 'PATCH']);

/** Bucket subresources (query parameters naming another operation) this API does not serve. */
const BUCKET_SUBRESOURCES = [
  'accelerate', 'acl', 'analytics', 'cors', 'encryption', 'intelligent-tiering', 'inventory', 'lifecycle', 'logging',
  'metrics', 'notification', 'object-lock', 'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock',
  'replication', 'requestPayment', 'session', 'tagging', 'uploads', 'versioning', 'versions', 'website',
];
const OBJECT_SUBRESOURCES = ['acl', 'attributes', 'legal-hold', 'partNumber', 'restore', 'retention', 'select', 'tagging', 'torrent', 'uploadId', 'uploads'];

export class S3Service implements RestService {
  readonly signingName = 's3';
  private readonly ctx: S3Context;

  /** dir: where the buckets are (resolveS3Dir); it may not exist yet. */
  constructor(dir: string) {
    this.ctx = { store: new ObjectStore(dir), etags: new ETags() };
  }

  /** A request whose signature did not verify (--auth sigv4), answered with S3's codes and words. */
  refuse(failure: SigV4Failure): AwsHttpResponse {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const hostId = randomBytes(48).toString('base64');
    let error: S3Error;
    if (failure.kind === 'unknown-key') error = new S3Error('InvalidAccessKeyId', { details: [['AWSAccessKeyId', failure.accessKeyId]] });
    else if (failure.kind === 'mismatch') error = new S3Error('SignatureDoesNotMatch', { details: [['StringToSign', failure.stringToSign], ['CanonicalRequest', failure.canonicalRequest]] });
    else if (failure.kind === 'expired') error = failure.message.startsWith('Request has expired') ? new S3Error('AccessDenied', { message: 'Request has expired' }) : new S3Error('RequestTimeTooSkewed');
    else error = new S3Error('AccessDenied', failure.kind === 'incomplete' ? { message: failure.message } : {});
    return { status: error.httpStatus, headers: { 'Content-Type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId }, body: errorDocument(error.code, error.message, error.details, requestId, hostId) };
  }

  async handle(http: AwsHttpRequest): Promise<AwsHttpResponse> {
    // S3's request ids: 16 upper-case hex digits, and a base64 host id (x-amz-id-2).
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const hostId = randomBytes(48).toString('base64');
    let response: AwsHttpResponse;
    try {
      const req = parseRequest(http);
      response = await operationFor(req)(req, this.ctx);
    } catch (err) {
      response = errorResponse(http, err, requestId, hostId);
    }
    response.headers['x-amz-request-id'] = requestId;
    response.headers['x-amz-id-2'] = hostId;
    return response;
  }
}

function operationFor(req: S3Request): S3Operation {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req);
  if (req.bucket === '') {
    if (req.method === 'GET') return listBuckets;
    throw methodNotAllowed(req);
  }
  if (req.key === '') {
    notImplemented(req, BUCKET_SUBRESOURCES);
    if (req.method === 'HEAD') return headBucket;
    if (req.query.has('location')) return getBucketLocation;
    return req.query.get('list-type') === '2' ? listObjectsV2 : listObjects;
  }
  notImplemented(req, OBJECT_SUBRESOURCES);
  return req.method === 'HEAD' ? headObject : getObject;
}

/** Bucket and key from the path, percent-decoded; the region from the credential scope. */
function parseRequest(http: AwsHttpRequest): S3Request {
  const raw = http.path.startsWith('/') ? http.path.slice(1) : http.path;
  const slash = raw.indexOf('/');
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(slash === -1 ? raw : raw.slice(0, slash));
    key = slash === -1 ? '' : decodeURIComponent(raw.slice(slash + 1));
  } catch {
    throw new S3Error('InvalidURI', { details: [['URI', http.path]] });
  }
  if (bucket === '' && key !== '') throw new S3Error('InvalidBucketName', { details: [['BucketName', '']] });
  const region = credentialScope(http)?.region ?? '';
  return { method: http.method, bucket, key, query: new URLSearchParams(http.query), headers: http.headers, region };
}

function methodNotAllowed(req: S3Request): S3Error {
  const base = 'The specified method is not allowed against this resource.';
  const resourceType = req.bucket === '' ? 'SERVICE' : req.key === '' ? 'BUCKET' : 'OBJECT';
  return new S3Error('MethodNotAllowed', {
    message: WRITE_METHODS.has(req.method) ? `${base} ${READ_ONLY}` : base,
    details: [
      ['Method', req.method],
      ['ResourceType', resourceType],
    ],
  });
}

function notImplemented(req: S3Request, subresources: string[]): void {
  const name = subresources.find((s) => req.query.has(s));
  if (name === undefined) return;
  const base = 'A header you provided implies functionality that is not implemented';
  throw new S3Error('NotImplemented', { message: `${base}. Riffle's S3 API does not serve ?${name}.`, details: [['Header', name]] });
}

function errorResponse(http: AwsHttpRequest, err: unknown, requestId: string, hostId: string): AwsHttpResponse {
  let error: S3Error;
  if (err instanceof S3Error) {
    error = err;
  } else {
    // Logged with its stack here; the client sees S3's generic InternalError only.
    console.error(`riffle: internal failure in S3 ${http.method} ${http.path} (request ${requestId}):`, err);
    error = new S3Error('InternalError');
  }
  const headers: Record<string, string> = { ...error.headers };
  if (http.method === 'HEAD') return { status: error.httpStatus, headers, body: '' };
  headers['Content-Type'] = 'application/xml';
  return { status: error.httpStatus, headers, body: errorDocument(error.code, error.message, error.details, requestId, hostId) };
}
