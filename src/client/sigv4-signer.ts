/**
 * Signs the Producer's requests with AWS Signature Version 4, for a server run with
 * `--auth sigv4` (or anything else that verifies SigV4). The computation is sigv4-core.ts's, the
 * same the server verifies with; this file only chooses what to sign:
 * - PutRecords over HTTP: the Authorization header, over host, content-type, x-amz-date,
 *   x-amz-target (and x-amz-security-token), with the body's SHA-256, as the AWS SDKs sign it.
 * - The WebSocket upgrade: a presigned URL (X-Amz-Algorithm, -Credential, -Date, -Expires,
 *   -SignedHeaders=host, -Signature, and -Security-Token), as AWS IoT presigns its WebSocket URLs,
 *   because browsers' and most clients' WebSocket APIs cannot set an Authorization header. Unlike
 *   IoT (which appends the token after signing), the token is signed with the rest of the query:
 *   the server's verifier, like @smithy/signature-v4's presign, signs every query parameter but
 *   the signature.
 * Each call signs at the time it is given, so every request and every reconnect carries a fresh date.
 */
import { amzDate, canonicalRequest, credentialScope, sha256Hex, signatureHex, SIGV4_ALGORITHM, stringToSign, uriEncode } from '../sigv4-core.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials' token (STS): sent as X-Amz-Security-Token, and signed. */
  sessionToken?: string | undefined;
}

export interface SigningOptions {
  credentials: AwsCredentials;
  region: string;
}

/** The signing name Kinesis's endpoints verify (its credential scope's service). */
export const SIGNING_SERVICE = 'kinesis';

/**
 * How long a presigned WebSocket URL stays valid. It is used at once, for one upgrade; five
 * minutes is the skew AWS allows a header-signed request, so a client clock that far behind the
 * server's still connects (the server checks presigned URLs only against their expiry).
 */
export const PRESIGN_EXPIRES_S = 300;

/** Throws a RangeError naming the option when credentials or region could not make a credential scope. */
export function checkSigningOptions(o: SigningOptions): void {
  const { accessKeyId, secretAccessKey, sessionToken } = o.credentials;
  // The scope is `AKID/date/region/service/aws4_request`, split on '/', and the Authorization
  // header is split on ',' and spaces: such characters in the key or region cannot verify anywhere.
  if (typeof accessKeyId !== 'string' || !/^[^/,\s]+$/.test(accessKeyId)) throw new RangeError('Producer: credentials.accessKeyId must be a non-empty string without /, commas or spaces');
  if (typeof secretAccessKey !== 'string' || secretAccessKey === '') throw new RangeError('Producer: credentials.secretAccessKey must be a non-empty string');
  if (sessionToken !== undefined && (typeof sessionToken !== 'string' || sessionToken === '')) throw new RangeError('Producer: credentials.sessionToken, when given, must be a non-empty string');
  if (typeof o.region !== 'string' || !/^[A-Za-z0-9-]+$/.test(o.region)) throw new RangeError(`Producer: region must be letters, digits and '-' (us-east-1), got ${JSON.stringify(o.region)}`);
}

export interface RequestToSign {
  method: string;
  /** As sent: percent-encoded, no query. */
  path: string;
  /** Lower-case names; `host` must be the Host header exactly as it will be sent. Every one is signed. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
}

/** The headers to add so `req` verifies: x-amz-date, x-amz-security-token when there is one, authorization. */
export function signHeaders(s: SigningOptions, req: RequestToSign, nowMs: number): Record<string, string> {
  const { accessKeyId, secretAccessKey, sessionToken } = s.credentials;
  const time = amzDate(nowMs);
  const date = time.slice(0, 8);
  const added: Record<string, string> = { 'x-amz-date': time };
  if (sessionToken !== undefined) added['x-amz-security-token'] = sessionToken;
  const headers = { ...req.headers, ...added };
  const signedHeaders = Object.keys(headers).sort();
  const scope = credentialScope(date, s.region, SIGNING_SERVICE);
  const canonical = canonicalRequest({ method: req.method, path: req.path, query: '', service: SIGNING_SERVICE, headers, signedHeaders, payloadHash: sha256Hex(req.body) });
  const signature = signatureHex(secretAccessKey, date, s.region, SIGNING_SERVICE, stringToSign(time, scope, canonical));
  added.authorization = `${SIGV4_ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return added;
}

/**
 * `url` (ws:// or wss://, no query) presigned for a GET upgrade: its Host (`url.host`, which is
 * what the WebSocket client sends) is the one signed header, the payload the empty body's hash.
 */
export function presignUrl(s: SigningOptions, url: URL, nowMs: number, expiresS = PRESIGN_EXPIRES_S): string {
  const { accessKeyId, secretAccessKey, sessionToken } = s.credentials;
  const time = amzDate(nowMs);
  const date = time.slice(0, 8);
  const scope = credentialScope(date, s.region, SIGNING_SERVICE);
  const params: Array<[string, string]> = [
    ['X-Amz-Algorithm', SIGV4_ALGORITHM],
    ['X-Amz-Credential', `${accessKeyId}/${scope}`],
    ['X-Amz-Date', time],
    ['X-Amz-Expires', String(expiresS)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  if (sessionToken !== undefined) params.push(['X-Amz-Security-Token', sessionToken]);
  const query = params.map(([k, v]) => `${k}=${uriEncode(v)}`).join('&');
  const canonical = canonicalRequest({ method: 'GET', path: url.pathname, query, service: SIGNING_SERVICE, headers: { host: url.host }, signedHeaders: ['host'], payloadHash: sha256Hex('') });
  const signature = signatureHex(secretAccessKey, date, s.region, SIGNING_SERVICE, stringToSign(time, scope, canonical));
  return `${url.protocol}//${url.host}${url.pathname}?${query}&X-Amz-Signature=${signature}`;
}
