/**
 * AWS Signature Version 4 verification: the signature a request carries (Authorization header, or
 * a presigned URL's X-Amz-* query) is computed again from the request as AWS builds it (canonical
 * request, string to sign, signing key from the secret of the access key named) and compared in
 * constant time. Time is the wall clock (not the engine clock tests advance): a request more than
 * 5 minutes off, or a presigned one past its X-Amz-Expires, fails.
 *
 * The canonical request, string to sign and signature are built by sigv4-core.ts, which the
 * Producer's signer (client/) uses too; what is here is the verifier's own part: reading what a
 * request carries, the checks before the signature (key, host signed, time) and the comparison.
 *
 * Pure: no service's wording here. The caller maps a failure to its protocol's error (Kinesis and
 * Firehose: aws/protocol.ts; S3: its XML errors).
 */
import { timingSafeEqual } from 'node:crypto';
import { amzDate as amz, canonicalRequest as buildCanonicalRequest, credentialScope, sha256Hex as sha256, signatureHex, SIGV4_ALGORITHM, stringToSign as buildStringToSign } from '../sigv4-core.js';
import type { AwsHttpRequest, SigV4Failure } from './http.js';

export type { SigV4Failure } from './http.js';

/** AWS allows a request's time to be this far from its own. */
export const MAX_SKEW_MS = 5 * 60_000;

/** What a verified request was signed as. */
export interface SigV4Identity {
  accessKeyId: string;
  region: string;
  service: string;
}

interface Parsed {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  /** Presigned: the query's X-Amz-Expires, seconds. */
  expires: number | null;
  presigned: boolean;
}

function parse(req: AwsHttpRequest): Parsed | SigV4Failure {
  const auth = req.headers.authorization;
  const query = new URLSearchParams(req.query);
  if (auth !== undefined) {
    if (!auth.startsWith(`${SIGV4_ALGORITHM} `)) return { kind: 'incomplete', message: `Unsupported authorization type: only ${SIGV4_ALGORITHM} is accepted.` };
    const params = new Map<string, string>();
    for (const part of auth.slice(SIGV4_ALGORITHM.length).split(',')) {
      const eq = part.indexOf('=');
      if (eq !== -1) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = params.get('Credential') ?? '';
    const amzDate = req.headers['x-amz-date'] ?? '';
    return fromParts(credential, params.get('SignedHeaders') ?? '', params.get('Signature') ?? '', amzDate, null, false);
  }
  if (!query.has('X-Amz-Algorithm')) return { kind: 'missing' };
  if (query.get('X-Amz-Algorithm') !== SIGV4_ALGORITHM) return { kind: 'incomplete', message: `X-Amz-Algorithm must be ${SIGV4_ALGORITHM}.` };
  const expires = Number(query.get('X-Amz-Expires') ?? '');
  return fromParts(query.get('X-Amz-Credential') ?? '', query.get('X-Amz-SignedHeaders') ?? '', query.get('X-Amz-Signature') ?? '', query.get('X-Amz-Date') ?? '', Number.isFinite(expires) ? expires : null, true);
}

function fromParts(credential: string, signedHeaders: string, signature: string, amzDate: string, expires: number | null, presigned: boolean): Parsed | SigV4Failure {
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') return { kind: 'incomplete', message: `Credential should be scoped to a valid region and service: '${credential}'.` };
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return { kind: 'incomplete', message: 'The request must carry its time as X-Amz-Date (yyyyMMddTHHmmssZ).' };
  const [accessKeyId = '', date = '', region = '', service = ''] = scope;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';').filter((h) => h !== ''), signature, amzDate, expires, presigned };
}

function timeOf(amzDate: string): number {
  return Date.UTC(Number(amzDate.slice(0, 4)), Number(amzDate.slice(4, 6)) - 1, Number(amzDate.slice(6, 8)), Number(amzDate.slice(9, 11)), Number(amzDate.slice(11, 13)), Number(amzDate.slice(13, 15)));
}

/**
 * Verifies `req` against the secrets (access key id → secret access key); the identity it was
 * signed as, or why not.
 */
export function verifySigV4(req: AwsHttpRequest, secrets: ReadonlyMap<string, string>, nowMs = Date.now()): SigV4Identity | SigV4Failure {
  const p = parse(req);
  if ('kind' in p) return p;
  const secret = secrets.get(p.accessKeyId);
  if (secret === undefined) return { kind: 'unknown-key', accessKeyId: p.accessKeyId };
  // HTTP/2 clients sign the host as :authority.
  if (!p.signedHeaders.includes('host') && !p.signedHeaders.includes(':authority')) return { kind: 'incomplete', message: "The host header must be signed (SignedHeaders must include 'host')." };
  const t = timeOf(p.amzDate);
  if (p.presigned) {
    if (p.expires === null || p.expires < 1 || p.expires > 604_800) return { kind: 'incomplete', message: 'X-Amz-Expires must be a number of seconds from 1 to 604800.' };
    if (nowMs > t + p.expires * 1000) return { kind: 'expired', message: `Request has expired (signed ${p.amzDate}, valid for ${p.expires} s; it is ${amz(nowMs)}).` };
  } else if (t < nowMs - MAX_SKEW_MS) {
    return { kind: 'expired', message: `Signature expired: ${p.amzDate} is now earlier than ${amz(nowMs - MAX_SKEW_MS)} (${amz(nowMs)} - 5 min.)` };
  } else if (t > nowMs + MAX_SKEW_MS) {
    return { kind: 'expired', message: `Signature not yet current: ${p.amzDate} is still later than ${amz(nowMs + MAX_SKEW_MS)} (${amz(nowMs)} + 5 min.)` };
  }
  // The body is what was signed: a declared x-amz-content-sha256 must be its hash (S3 alone may
  // declare UNSIGNED-PAYLOAD), else a signature over one body would carry another.
  const declared = req.headers['x-amz-content-sha256'];
  const actual = sha256(req.body);
  if (declared !== undefined && declared !== actual && !(p.service === 's3' && declared === 'UNSIGNED-PAYLOAD')) {
    return { kind: 'mismatch', canonicalRequest: '', stringToSign: 'x-amz-content-sha256 is not the hash of the body' };
  }
  const payloadHash = declared ?? (p.presigned && p.service === 's3' ? 'UNSIGNED-PAYLOAD' : actual);
  const canonicalRequest = buildCanonicalRequest({ method: req.method, path: req.path, query: req.query, service: p.service, headers: req.headers, signedHeaders: p.signedHeaders, payloadHash });
  const stringToSign = buildStringToSign(p.amzDate, credentialScope(p.date, p.region, p.service), canonicalRequest);
  const expected = Buffer.from(signatureHex(secret, p.date, p.region, p.service, stringToSign));
  const given = Buffer.from(p.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { kind: 'mismatch', canonicalRequest, stringToSign };
  return { accessKeyId: p.accessKeyId, region: p.region, service: p.service };
}

/** `ACCESS_KEY_ID SECRET_ACCESS_KEY` per line (blank lines and # comments skipped). Throws naming a bad line. */
export function parseCredentialsFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    if (parts.length !== 2) throw new Error(`line ${i + 1}: expected ACCESS_KEY_ID SECRET_ACCESS_KEY`);
    out.set(parts[0] as string, parts[1] as string);
  });
  if (out.size === 0) throw new Error('no credentials in it');
  return out;
}
