/**
 * AWS Signature Version 4 verification: the signature a request carries (Authorization header, or
 * a presigned URL's X-Amz-* query) is computed again from the request as AWS builds it (canonical
 * request, string to sign, signing key from the secret of the access key named) and compared in
 * constant time. Time is the wall clock (not the engine clock tests advance): a request more than
 * 5 minutes off, or a presigned one past its X-Amz-Expires, fails.
 *
 * Pure: no service's wording here. The caller maps a failure to its protocol's error (Kinesis and
 * Firehose: aws/protocol.ts; S3: its XML errors).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AwsHttpRequest, SigV4Failure } from './http.js';

export type { SigV4Failure } from './http.js';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
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

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper case). */
function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

/** The query as SigV4 signs it: pairs URI-encoded, sorted by name then value; the signature itself left out. */
function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq === -1 ? [decode(p), ''] : [decode(p.slice(0, eq)), decode(p.slice(eq + 1))];
    })
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k as string), uriEncode(v as string)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * The path as signed: S3 signs it as sent (each segment encoded once); other services encode the
 * already-encoded path once more (SigV4: "each path segment must be URI-encoded twice").
 */
function canonicalUri(path: string, service: string): string {
  if (path === '') return '/';
  if (service === 's3') return path;
  return path
    .split('/')
    .map((seg) => uriEncode(seg))
    .join('/');
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

function amz(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
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
  const headers = p.signedHeaders.map((name) => `${name}:${(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  // The body is what was signed: a declared x-amz-content-sha256 must be its hash (S3 alone may
  // declare UNSIGNED-PAYLOAD), else a signature over one body would carry another.
  const declared = req.headers['x-amz-content-sha256'];
  const actual = sha256(req.body);
  if (declared !== undefined && declared !== actual && !(p.service === 's3' && declared === 'UNSIGNED-PAYLOAD')) {
    return { kind: 'mismatch', canonicalRequest: '', stringToSign: 'x-amz-content-sha256 is not the hash of the body' };
  }
  const payload = declared ?? (p.presigned && p.service === 's3' ? 'UNSIGNED-PAYLOAD' : actual);
  const canonicalRequest = [req.method, canonicalUri(req.path, p.service), canonicalQuery(req.query), headers, p.signedHeaders.join(';'), payload].join('\n');
  const scope = `${p.date}/${p.region}/${p.service}/aws4_request`;
  const stringToSign = [SIGV4_ALGORITHM, p.amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, p.date), p.region), p.service), 'aws4_request');
  const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'));
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
