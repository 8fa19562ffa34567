// handleAwsRequest without a transport: request-level error precedence and both wire codecs.
// Expected messages and shapes are kinesalite's record of the real service (index.js httpHandler).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Decoder, Encoder } from 'cbor-x';
import { OperationTable } from '../../../src/aws/operation.js';
import { handleAwsRequest } from '../../../src/aws/protocol.js';
import type { AwsHttpRequest } from '../../../src/aws/http.js';
import { AMZ_CBOR, AMZ_JSON, CREATED_AT, SECRET, SIGNED, TestService } from '../server/helpers.js';

const ACCESS_DENIED_XML =
  '<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n';
const cbor = new Decoder({ useRecords: false, mapsAsObjects: true });

function request(overrides: Partial<AwsHttpRequest> & { headers?: Record<string, string> }): AwsHttpRequest {
  return { method: 'POST', path: '/', query: '', body: Buffer.from('{}'), ...overrides, headers: overrides.headers ?? {} };
}
const target = (op: string) => ({ 'x-amz-target': `Kinesis_20131202.${op}` });

describe('handleAwsRequest error precedence', () => {
  const service = new TestService();
  const call = (req: AwsHttpRequest) => handleAwsRequest(req, [service]);
  afterEach(() => vi.restoreAllMocks());

  it('rejects non-POST with the XML AccessDeniedException, status 403', async () => {
    const res = await call(request({ method: 'GET', headers: { 'content-type': AMZ_JSON, ...target('Echo'), ...SIGNED } }));
    expect(res.status).toBe(403);
    expect(res.body).toBe(ACCESS_DENIED_XML);
    expect(res.headers['x-amzn-RequestId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-amzn-ErrorType']).toBeUndefined();
  });

  it('judges an empty body before the content type, answering CBOR unless the type is JSON 1.1', async () => {
    const json = await call(request({ body: Buffer.alloc(0), headers: { 'content-type': AMZ_JSON, ...target('Echo') } }));
    expect([json.status, json.headers['Content-Type'], json.body]).toEqual([400, AMZ_JSON, '{"__type":"SerializationException"}']);
    expect(json.headers['x-amzn-ErrorType']).toBe('SerializationException');

    const other = await call(request({ body: Buffer.alloc(0), headers: { 'content-type': 'text/plain', ...target('Nope') } }));
    expect(other.status).toBe(400);
    expect(other.headers['Content-Type']).toBe(AMZ_CBOR);
    expect(cbor.decode(other.body as Buffer)).toEqual({ __type: 'UnknownOperationException' });
  });

  it('answers an unsupported content type with 404 UnknownOperation, or 403 without a target', async () => {
    for (const type of ['text/plain', 'application/x-amz-json-1.0']) {
      const res = await call(request({ headers: { 'content-type': type, ...target('Echo'), ...SIGNED } }));
      expect([res.status, res.body]).toEqual([404, '<UnknownOperationException/>\n']);
    }
    const noTarget = await call(request({ headers: { 'content-type': 'text/plain' } }));
    expect([noTarget.status, noTarget.body]).toEqual([403, ACCESS_DENIED_XML]);
  });

  it('maps malformed bodies to SerializationException in the request encoding', async () => {
    const json = await call(request({ body: Buffer.from('{"a":'), headers: { 'content-type': AMZ_JSON, ...target('Echo') } }));
    expect([json.status, json.body]).toEqual([400, '{"__type":"SerializationException"}']);
    const array = await call(request({ body: Buffer.from('[1]'), headers: { 'content-type': AMZ_JSON, ...target('Echo') } }));
    expect([array.status, array.body]).toEqual([400, '{"__type":"SerializationException"}']);
    const bad = await call(request({ body: Buffer.from([0xa2, 0x61]), headers: { 'content-type': AMZ_CBOR, ...target('Echo') } }));
    expect([bad.status, bad.headers['Content-Type']]).toEqual([400, AMZ_CBOR]);
    expect(cbor.decode(bad.body as Buffer)).toEqual({ __type: 'SerializationException' });
  });

  it('answers application/json in the Coral envelope and never runs the operation', async () => {
    const before = service.inputs.length;
    const bad = await call(request({ body: Buffer.from('nope'), headers: { 'content-type': 'application/json', ...target('Echo') } }));
    expect([bad.status, bad.body]).toEqual([400, '{"Output":{"__type":"com.amazon.coral.service#SerializationException"},"Version":"1.0"}']);
    const ok = await call(request({ headers: { 'content-type': 'application/json', ...target('Echo'), ...SIGNED } }));
    expect([ok.status, ok.body]).toEqual([404, '{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"},"Version":"1.0"}']);
    expect(service.inputs.length).toBe(before);
  });

  it('checks the target before authentication', async () => {
    for (const t of ['Kinesis_20131202.Nope', 'Firehose_20150804.Echo', 'Echo', '']) {
      const res = await call(request({ headers: { 'content-type': AMZ_JSON, 'x-amz-target': t } }));
      expect([res.status, res.body]).toEqual([400, '{"__type":"UnknownOperationException"}']);
    }
  });

  it('requires a complete signature but accepts any credentials', async () => {
    const base = { 'content-type': AMZ_JSON, ...target('Echo') };
    const missing = await call(request({ headers: base }));
    expect([missing.status, missing.body]).toEqual([
      400,
      '{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}',
    ]);

    const both = await call(request({ query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256', headers: { ...base, ...SIGNED } }));
    expect(JSON.parse(both.body as string)).toEqual({
      __type: 'InvalidSignatureException',
      message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    });

    const partial = await call(request({ headers: { ...base, authorization: 'AWS4-HMAC-SHA256 Credential=abc' } }));
    expect(partial.status).toBe(400);
    expect(JSON.parse(partial.body as string)).toEqual({
      __type: 'IncompleteSignatureException',
      message:
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        'Authorization=AWS4-HMAC-SHA256 Credential=abc',
    });

    const query = await call(request({ query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=x', headers: base }));
    expect(JSON.parse(query.body as string).message).toBe(
      "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include " +
        "'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
    );

    const signed = await call(request({ headers: { ...base, ...SIGNED } }));
    expect(signed.status).toBe(200);
  });

  it('maps a AwsError to its status, body and x-amzn-ErrorType', async () => {
    const res = await call(request({ headers: { 'content-type': AMZ_JSON, ...target('Fail'), ...SIGNED } }));
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-ErrorType']).toBe('ResourceNotFoundException');
    expect(res.body).toBe('{"__type":"ResourceNotFoundException","message":"Stream s1 under account 000000000000 not found."}');
  });

  it('maps any other throw to a generic 500 InternalFailure, logged once, never leaked', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await call(request({ headers: { 'content-type': AMZ_JSON, ...target('Crash'), ...SIGNED } }));
    expect(res.status).toBe(500);
    expect(res.headers['x-amzn-ErrorType']).toBe('InternalFailure');
    expect(JSON.parse(res.body as string)).toEqual({
      __type: 'InternalFailure',
      message: 'The request processing has failed because of an unknown error, exception or failure.',
    });
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toMatch(/\bat\s|\.ts:|Error:/);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('answers a CORS preflight for the origin the endpoint let through, and only for it', async () => {
    const res = await call(
      request({
        method: 'OPTIONS',
        headers: { origin: 'http://x', 'access-control-request-headers': 'x-amz-target', 'access-control-request-method': 'POST' },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'http://x',
      Vary: 'Origin',
      'Access-Control-Allow-Headers': 'x-amz-target',
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Max-Age': '172800',
    });
    expect(res.headers['x-amz-id-2']).toBeUndefined();
  });
});

describe('handleAwsRequest codecs', () => {
  it('JSON: blobs as base64, Date as epoch seconds with a millisecond fraction, timestamps in stay numbers', async () => {
    const service = new TestService();
    const body = Buffer.from('{"Timestamp":1700000000.5,"Data":"aGk="}');
    const res = await handleAwsRequest(request({ body, headers: { 'content-type': AMZ_JSON, ...target('Echo'), ...SIGNED } }), [service]);
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe(AMZ_JSON);
    expect(res.body).toBe('{"Timestamp":1700000000.5,"Data":"aGk=","At":1700000000.123,"Blob":"aGVsbG8="}');
    expect(service.inputs[0]).toEqual({ Timestamp: 1700000000.5, Data: 'aGk=' });
  });

  it('CBOR: tag 1 read as epoch millis into a Date, byte strings as Buffer; written back as tag 1 + uint64 millis', async () => {
    const service = new TestService();
    // What aws-sdk-java v2 sends for GetShardIterator AT_TIMESTAMP: tag 1 (0xc1), uint64 (0x1b) millis.
    const ms = Buffer.alloc(8);
    ms.writeBigUInt64BE(1_700_000_000_123n);
    const body = Buffer.concat([
      Buffer.from([0xa2, 0x69]), Buffer.from('Timestamp'), Buffer.from([0xc1, 0x1b]), ms,
      Buffer.from([0x64]), Buffer.from('Data'), Buffer.from([0x42, 0x68, 0x69]),
    ]);
    const res = await handleAwsRequest(request({ body, headers: { 'content-type': AMZ_CBOR, ...target('Echo'), ...SIGNED } }), [service]);
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe(AMZ_CBOR);
    const input = service.inputs[0]!;
    expect(input.Timestamp).toEqual(CREATED_AT);
    expect(Buffer.isBuffer(input.Data) && input.Data.toString()).toBe('hi');

    const out = res.body as Buffer;
    const expectedAt = Buffer.concat([Buffer.from([0x62]), Buffer.from('At'), Buffer.from([0xc1, 0x1b]), ms]);
    const expectedBlob = Buffer.concat([Buffer.from([0x64]), Buffer.from('Blob'), Buffer.from([0x45]), Buffer.from('hello')]);
    expect(out.includes(expectedAt)).toBe(true);
    expect(out.includes(expectedBlob)).toBe(true);
    const decoded = new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true } as object).decode(out);
    expect(decoded.Data).toEqual(Buffer.from('hi'));
  });

  it('CBOR: integers beyond 32 bits are written as integers, not float64', async () => {
    const service = new TestService();
    const body = new Encoder({ useRecords: false }).encode({ Limit: 2 ** 40 });
    const res = await handleAwsRequest(request({ body, headers: { 'content-type': AMZ_CBOR, ...target('Echo'), ...SIGNED } }), [service]);
    const expected = Buffer.from([0x65, ...Buffer.from('Limit'), 0x1b, 0, 0, 0x01, 0, 0, 0, 0, 0]);
    expect((res.body as Buffer).includes(expected)).toBe(true);
  });
});

describe('handleAwsRequest body fuzzing (time-boxed)', () => {
  it('answers random and bit-flipped JSON/CBOR bodies with 200 or 400 SerializationException, never 500', async () => {
    let seed = 0x9e3779b9; // xorshift32, fixed seed: failures reproduce
    const next = (): number => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), seed >>> 0);
    const valid = {
      [AMZ_CBOR]: new Encoder({ useRecords: false }).encode({ StreamName: 's', Limit: 5, Data: Buffer.from('xyz'), At: new Date(0) }),
      [AMZ_JSON]: Buffer.from('{"StreamName":"s","Limit":5,"Data":"eHl6"}'),
    };
    const service = new TestService();
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const deadline = Date.now() + 300;
    let runs = 0;
    while (Date.now() < deadline) {
      const type = runs % 2 === 0 ? AMZ_CBOR : AMZ_JSON;
      const body = Buffer.from(valid[type]);
      if (runs % 4 < 2) {
        for (let i = 0; i < 3; i++) {
          const at = next() % body.length;
          body[at] = body[at]! ^ (1 << (next() % 8));
        }
      }
      else for (let i = 0; i < body.length; i++) body[i] = next() & 0xff;
      const res = await handleAwsRequest(request({ body, headers: { 'content-type': type, ...target('ListStreams'), ...SIGNED } }), [service]);
      if (res.status !== 200) {
        expect(res.status).toBe(400);
        expect(res.headers['x-amzn-ErrorType']).toBe('SerializationException');
      }
      runs++;
    }
    expect(runs).toBeGreaterThan(100);
    expect(log).not.toHaveBeenCalled();
  });
});

describe('routing by X-Amz-Target prefix', () => {
  // Two services behind the same handler, as Kinesis and Firehose share the ports: each request
  // reaches the operation of its own prefix, validated against that operation's members.
  const kinesis = new OperationTable('Kinesis_20131202', [{ name: 'Describe', members: { Name: { type: 'String', required: true } }, run: (ctx: string, input: { Name: string }) => ({ service: ctx, name: input.Name }) }], 'kinesis');
  const firehose = new OperationTable('Firehose_20150804', [{ name: 'Describe', members: { Count: { type: 'Integer', max: 5 } }, run: (ctx: string, input: { Count?: number }) => ({ service: ctx, count: input.Count ?? 0 }) }], 'firehose');
  const send = (prefix: string, body: unknown) =>
    handleAwsRequest(request({ body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': AMZ_JSON, 'x-amz-target': `${prefix}.Describe`, ...SIGNED } }), [kinesis, firehose]);

  it('sends each prefix to its own service, with that operation validation', async () => {
    const k = await send('Kinesis_20131202', { Name: 'a' });
    expect([k.status, JSON.parse(k.body as string)]).toEqual([200, { service: 'kinesis', name: 'a' }]);
    const f = await send('Firehose_20150804', { Count: 3 });
    expect([f.status, JSON.parse(f.body as string)]).toEqual([200, { service: 'firehose', count: 3 }]);
    const bad = await send('Firehose_20150804', { Count: 9 });
    expect([bad.status, JSON.parse(bad.body as string)]).toEqual([
      400,
      { __type: 'ValidationException', message: "1 validation error detected: Value '9' at 'count' failed to satisfy constraint: Member must have value less than or equal to 5" },
    ]);
    const missing = await send('Kinesis_20131202', {});
    expect(JSON.parse(missing.body as string).__type).toBe('ValidationException');
    const unknown = await send('Sqs_20121105', {});
    expect([unknown.status, JSON.parse(unknown.body as string)]).toEqual([400, { __type: 'UnknownOperationException' }]);
  });
});
