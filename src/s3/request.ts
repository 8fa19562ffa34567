// What the operations share: the request as S3 names it, the service's parts, and the answers.
import { createHash } from 'node:crypto';
import type { AwsHttpResponse } from '../aws/http.js';
import type { ETags } from './etags.js';
import type { ObjectStore } from './object-store.js';
import { xmlDocument } from './xml.js';

export interface S3Request {
  method: string;
  /** '' for the service itself (GET /). */
  bucket: string;
  /** '' for the bucket itself. */
  key: string;
  query: URLSearchParams;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** The region in the request's credential scope ('' for SigV4a), which the bucket is said to be in. */
  region: string;
}

export interface S3Context {
  store: ObjectStore;
  etags: ETags;
}

export type S3Operation = (req: S3Request, ctx: S3Context) => Promise<AwsHttpResponse>;

/**
 * The owner every bucket and object is listed with: one account owns the directory. S3's
 * canonical user IDs are 64 hex digits; this one is the SHA-256 of 'riffle', the same every run.
 */
export const OWNER = { ID: createHash('sha256').update('riffle').digest('hex'), DisplayName: 'riffle' };

export function xmlResponse(root: string, children: string): AwsHttpResponse {
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body: xmlDocument(root, children) };
}

/** S3's ISO 8601 timestamps (LastModified, CreationDate), in whole seconds as S3 keeps them. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}
