/**
 * The pure parts of AWS Signature Version 4 that signing and verifying share: the canonical
 * request, the string to sign, the signing key and the signature (AWS docs, "Create a signed AWS
 * API request": tasks 1 to 4). The server's verifier (aws/sigv4.ts) and the Producer's signer
 * (client/sigv4-signer.ts) both build their signatures here, so they cannot drift apart; what is
 * different about each (parsing what a request carries and checking its time; choosing the
 * headers and the query to sign) stays in its own file.
 *
 * A shared leaf (scripts/check-structure.mjs): it imports nothing from src, so client/, which
 * must not depend on the server, can import it as aws/ does.
 */
import { createHash, createHmac } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper case). */
export function uriEncode(s: string, keepSlash = false): string {
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
export function canonicalQuery(query: string): string {
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
export function canonicalUri(path: string, service: string): string {
  if (path === '') return '/';
  if (service === 's3') return path;
  return path
    .split('/')
    .map((seg) => uriEncode(seg))
    .join('/');
}

export interface CanonicalRequestParts {
  method: string;
  /** As sent: already percent-encoded, without the query. */
  path: string;
  /** As sent, without the '?'. */
  query: string;
  /** The signing name in the credential scope ('kinesis', 's3'): it decides how the path is encoded. */
  service: string;
  /** Lower-case names; only those in `signedHeaders` are read. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Lower-case, sorted, as the request lists them. */
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the body, or what the request declares instead (S3's UNSIGNED-PAYLOAD). */
  payloadHash: string;
}

/** Task 1: the canonical request, one element a line. Header values are trimmed and their inner runs of spaces folded. */
export function canonicalRequest(p: CanonicalRequestParts): string {
  const headers = p.signedHeaders.map((name) => `${name}:${(p.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [p.method, canonicalUri(p.path, p.service), canonicalQuery(p.query), headers, p.signedHeaders.join(';'), p.payloadHash].join('\n');
}

/** `<yyyyMMdd>/<region>/<service>/aws4_request`. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

/** Task 2: what the signing key signs. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** Tasks 3 and 4: the hex signature, with the key derived from the secret for the scope's date, region and service. */
export function signatureHex(secret: string, date: string, region: string, service: string, toSign: string): string {
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/** A time as X-Amz-Date writes it: `yyyyMMddTHHmmssZ`, UTC. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
