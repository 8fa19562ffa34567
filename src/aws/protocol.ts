// The AWS JSON 1.1 / CBOR 1.1 request protocol, transport-agnostic: one decoded HTTP request in,
// one HTTP response out. The order of the checks and the shape of each error follow what the real
// Kinesis service answers, as recorded by kinesalite (index.js httpHandler, whose tests were run
// against AWS): CORS, method, empty body, content type, body syntax, target, then authentication.
// Requests signed for a REST service's signing name (S3) go to that service before any of this.
import { randomBytes, randomUUID } from 'node:crypto';
import { verifySigV4 } from './sigv4.js';
import { AwsError, isAwsError, type AwsErrorCode } from './errors.js';
import { MalformedBodyError, decodeCborBody, decodeJsonBody, encodeCborBody, encodeJsonBody } from './codec.js';
import { STREAMING_BODY, type AwsHttpRequest, type AwsHttpResponse, type AwsService, type RestService, type SigV4Failure, type StreamingBody } from './http.js';

const AMZ_JSON = 'application/x-amz-json-1.1';
const AMZ_CBOR = 'application/x-amz-cbor-1.1';
// Kinesis answers plain application/json in the old Coral envelope and never runs the operation.
// application/x-amz-json-1.0 is not on kinesalite's list of content types AWS accepts for Kinesis
// (Kinesis and Firehose are both awsJson1_1), so it gets the 404 below like any other type.
const PLAIN_JSON = 'application/json';
/** SubscribeToShard's response: AWS's event stream encoding (aws/event-stream.ts). */
const EVENT_STREAM = 'application/vnd.amazon.eventstream';
type WireFormat = typeof AMZ_JSON | typeof AMZ_CBOR;

const ACCESS_DENIED_MESSAGE = 'Unable to determine service/operation name to be authorized';
// AWS's documented text for InternalFailure (Common Errors); never the error's own text or stack.
const REQUEST_FAILURE_MESSAGE = 'The request processing has failed because of an unknown error, exception or failure.';
const CORS_EXPOSE_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';

/**
 * The transports' answer to a body over their limit (kinesalite: 413, no body). It never reaches
 * handleAwsRequest, but it is still an AWS response and carries a request id.
 */
export function payloadTooLarge(): AwsHttpResponse {
  return { status: 413, headers: { 'x-amzn-RequestId': randomUUID() }, body: '' };
}

/**
 * Never rejects: anything unexpected becomes a 500 InternalFailure. A request whose SigV4
 * credential scope names a RestService's signing name goes to that service; every other request
 * (unsigned ones too) goes to the X-Amz-Target JSON services.
 */
export async function handleAwsRequest(
  req: AwsHttpRequest,
  services: AwsService[],
  restServices: readonly RestService[] = [],
  /** With --auth sigv4: access key id → secret; every signature is verified. null: only required. */
  secrets: ReadonlyMap<string, string> | null = null,
): Promise<AwsHttpResponse> {
  if (restServices.length > 0) {
    const scope = credentialScope(req);
    const rest = scope === undefined ? undefined : restServices.find((s) => s.signingName === scope.service);
    if (rest !== undefined) {
      const verified = secrets === null ? null : verifySigV4(req, secrets);
      if (verified !== null && 'kind' in verified) return rest.refuse(verified);
      return handleRest(rest, req);
    }
  }
  const headers: Record<string, string> = { 'x-amzn-RequestId': randomUUID() };
  try {
    return await handle(req, services, headers, secrets);
  } catch (err) {
    return internalFailure(headers, AMZ_JSON, err);
  }
}

async function handle(req: AwsHttpRequest, services: AwsService[], headers: Record<string, string>, secrets: ReadonlyMap<string, string> | null): Promise<AwsHttpResponse> {
  const origin = req.headers.origin;
  if (req.method !== 'OPTIONS' || origin === undefined) headers['x-amz-id-2'] = randomBytes(72).toString('base64');

  // An Origin that reaches here was allowed by the endpoint (server/admission.ts): that origin,
  // and no other, may read the answer.
  if (origin !== undefined) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers.Vary = 'Origin';
    if (req.method === 'OPTIONS') return corsPreflight(req, headers);
    headers['Access-Control-Expose-Headers'] = CORS_EXPOSE_HEADERS;
  }

  if (req.method !== 'POST') return xmlError(headers, 'AccessDeniedException', ACCESS_DENIED_MESSAGE);

  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const [prefix = '', operation = ''] = (req.headers['x-amz-target'] ?? '').split('.');
  const service = prefix === '' ? undefined : services.find((s) => s.targetPrefix === prefix);
  const known = service !== undefined && operation !== '' && service.has(operation);

  // An empty body is judged before the content type; the reply is JSON only for the JSON type.
  if (req.body.length === 0) {
    const format = contentType === AMZ_JSON ? AMZ_JSON : AMZ_CBOR;
    return awsError(headers, format, new AwsError(known ? 'SerializationException' : 'UnknownOperationException'));
  }

  if (contentType !== AMZ_JSON && contentType !== AMZ_CBOR && contentType !== PLAIN_JSON) {
    if (prefix === '' || operation === '') return xmlError(headers, 'AccessDeniedException', ACCESS_DENIED_MESSAGE);
    return { status: 404, headers, body: '<UnknownOperationException/>\n' };
  }

  let input: Record<string, unknown>;
  try {
    input = contentType === AMZ_CBOR ? decodeCborBody(req.body) : decodeJsonBody(req.body);
  } catch (err) {
    if (!(err instanceof MalformedBodyError)) throw err;
    if (contentType === PLAIN_JSON) return coralEnvelope(headers, 400, 'SerializationException');
    return awsError(headers, contentType, new AwsError('SerializationException'));
  }
  if (contentType === PLAIN_JSON) return coralEnvelope(headers, 404, 'UnknownOperationException');
  const format: WireFormat = contentType;

  if (service === undefined || !known) return awsError(headers, format, new AwsError('UnknownOperationException'));

  const authError = checkAuthentication(req) ?? (secrets === null ? undefined : signatureError(req, secrets));
  if (authError !== undefined) return awsError(headers, format, authError);

  try {
    const output = await service.call(operation, input);
    const stream = output[STREAMING_BODY as unknown as string] as StreamingBody | undefined;
    if (stream !== undefined) {
      headers['Content-Type'] = EVENT_STREAM;
      return { status: 200, headers, body: '', stream };
    }
    return encode(headers, format, 200, output);
  } catch (err) {
    if (isAwsError(err)) return awsError(headers, format, err);
    return internalFailure(headers, format, err, `${prefix}.${operation}`);
  }
}

/**
 * The SigV4 credential scope a request is signed with, from the Authorization header
 * (`AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/s3/aws4_request, SignedHeaders=...`) or
 * a presigned URL's X-Amz-Credential (SigV4 docs, "Credential scope"). SigV4a scopes have no
 * region (`AKID/<date>/s3/aws4_request`): region ''. Nothing is verified, as for every service here.
 */
export function credentialScope(req: AwsHttpRequest): { region: string; service: string } | undefined {
  const auth = req.headers.authorization;
  let credential: string | null | undefined;
  if (auth !== undefined) credential = /(?:^|[\s,])Credential=([^,\s]+)/.exec(auth)?.[1];
  else if (req.query.includes('X-Amz-Credential=')) credential = new URLSearchParams(req.query).get('X-Amz-Credential');
  if (credential === undefined || credential === null) return undefined;
  const parts = credential.split('/');
  if (parts.length < 4 || parts.at(-1) !== 'aws4_request') return undefined;
  return { service: parts.at(-2)!, region: parts.length >= 5 ? parts.at(-3)! : '' };
}

/** A RestService answers its own errors; a rejection is a bug, logged, and answered 500 without a body. */
async function handleRest(service: RestService, req: AwsHttpRequest): Promise<AwsHttpResponse> {
  try {
    return await service.handle(req);
  } catch (err) {
    const requestId = randomUUID();
    console.error(`riffle: internal failure in the ${service.signingName} service (request ${requestId}):`, err);
    return { status: 500, headers: { 'x-amz-request-id': requestId }, body: '' };
  }
}

/** Logged once here with its stack; the client only ever sees AWS's generic InternalFailure. */
function internalFailure(headers: Record<string, string>, format: WireFormat, err: unknown, where = 'request'): AwsHttpResponse {
  console.error(`riffle: internal failure in ${where} (request ${headers['x-amzn-RequestId']}):`, err);
  const failure = new AwsError('InternalFailure', REQUEST_FAILURE_MESSAGE);
  headers['x-amzn-ErrorType'] = failure.code;
  headers['Content-Type'] = format;
  // toWire() holds two strings, which both codecs always encode.
  const body = format === AMZ_CBOR ? encodeCborBody(failure.toWire()) : encodeJsonBody(failure.toWire());
  return { status: failure.httpStatus, headers, body };
}

/**
 * Credentials are accepted as long as a SigV4 signature is present and complete; the signature is
 * not verified. Messages are AWS's, as kinesalite records them.
 */
function checkAuthentication(req: AwsHttpRequest): AwsError | undefined {
  const authHeader = req.headers.authorization;
  const query = new URLSearchParams(req.query);
  const authQuery = query.has('X-Amz-Algorithm');
  if (authHeader !== undefined && authQuery) {
    return new AwsError(
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  }
  if (authHeader === undefined && !authQuery) {
    return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }

  let message = '';
  if (authHeader !== undefined) {
    // "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
    const params = new Map<string, string>();
    for (const part of authHeader.split(/,| /).slice(1)) {
      if (part === '') continue;
      const [key = '', value = ''] = part.trim().split('=');
      params.set(key, value);
    }
    for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
      if (!params.get(name)) message += `Authorization header requires '${name}' parameter. `;
    }
    if (req.headers['x-amz-date'] === undefined && req.headers.date === undefined) {
      message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (message !== '') message += `Authorization=${authHeader}`;
  } else {
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date']) {
      if (!query.get(name)) message += `AWS query-string parameters must include '${name}'. `;
    }
    if (message !== '') message += 'Re-examine the query-string parameters.';
  }
  return message === '' ? undefined : new AwsError('IncompleteSignatureException', message);
}

/** --auth sigv4: the signature verified, or the error AWS's JSON services answer, in their words. */
function signatureError(req: AwsHttpRequest, secrets: ReadonlyMap<string, string>): AwsError | undefined {
  const v = verifySigV4(req, secrets);
  return 'kind' in v ? sigV4Error(v) : undefined;
}

/** A signature that did not verify as AWS's JSON services word it (also a refused WebSocket upgrade's answer). */
export function sigV4Error(v: SigV4Failure): AwsError {
  switch (v.kind) {
    case 'missing':
      return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    case 'incomplete':
      return new AwsError('IncompleteSignatureException', v.message);
    case 'unknown-key':
      return new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    case 'expired':
      return new AwsError('InvalidSignatureException', v.message);
    case 'mismatch':
      return new AwsError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
  }
}

function awsError(headers: Record<string, string>, format: WireFormat, err: AwsError): AwsHttpResponse {
  // Smithy's awsJson1_1 error rules (smithy.io aws-json-1_1-protocol, "Operation error
  // serialization") make clients keep what precedes ':' and follows '#' in X-Amzn-Errortype or
  // __type; the ':http://internal.amazon.com/coral/com.amazon.coral.validate/' suffix is a Polly
  // (restJson1) example, not Kinesis's. The bare code is what every SDK's parser yields.
  headers['x-amzn-ErrorType'] = err.code;
  return encode(headers, format, err.httpStatus, err.toWire());
}

function encode(headers: Record<string, string>, format: WireFormat, status: number, value: Record<string, unknown>): AwsHttpResponse {
  headers['Content-Type'] = format;
  try {
    const body = format === AMZ_CBOR ? encodeCborBody(value) : encodeJsonBody(value);
    return { status, headers, body };
  } catch (err) {
    // An output the codec cannot represent (a cycle, a BigInt in JSON) is our bug, not the client's.
    return internalFailure(headers, format, err, 'response encoding');
  }
}

/** The pre-JSON errors come as XML-ish text with status 403 (kinesalite sendError). */
function xmlError(headers: Record<string, string>, code: AwsErrorCode, message: string): AwsHttpResponse {
  return { status: 403, headers, body: `<${code}>\n  <Message>${message}</Message>\n</${code}>\n` };
}

function coralEnvelope(headers: Record<string, string>, status: number, code: AwsErrorCode): AwsHttpResponse {
  headers['Content-Type'] = PLAIN_JSON;
  const body = JSON.stringify({ Output: { __type: `com.amazon.coral.service#${code}` }, Version: '1.0' });
  return { status, headers, body };
}

function corsPreflight(req: AwsHttpRequest, headers: Record<string, string>): AwsHttpResponse {
  const requestHeaders = req.headers['access-control-request-headers'];
  const requestMethod = req.headers['access-control-request-method'];
  if (requestHeaders !== undefined) headers['Access-Control-Allow-Headers'] = requestHeaders;
  if (requestMethod !== undefined) headers['Access-Control-Allow-Methods'] = requestMethod;
  headers['Access-Control-Max-Age'] = '172800';
  return { status: 200, headers, body: '' };
}
