import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decoder, encode as cborEncode } from 'cbor-x';

// 64-bit integers (tag-1 timestamps) as numbers, not BigInt, like the server's own decoder.
const cborDecoder = new Decoder({ int64AsNumber: true, mapsAsObjects: true });
const cborDecode = (b: Buffer): unknown => cborDecoder.decode(b);
import { rawRequest, startServer, uniqueName, type RunningServer } from './harness.js';
import { IteratorCodec } from 'riffle/internal';

let server: RunningServer;
const stream = uniqueName('bad');
const accepted: Array<{ key: string; data: string }> = [];

const K = (op: string): string => `Kinesis_20131202.${op}`;
const cborHeaders = {
  'content-type': 'application/x-amz-cbor-1.1',
  authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
  'x-amz-date': '20260101T000000Z',
};
const call = (op: string, body: unknown, headers?: Record<string, string>) =>
  rawRequest(server.port, K(op), typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers);

async function expectError(
  res: Awaited<ReturnType<typeof call>>,
  type: string,
  message?: string | RegExp,
): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get('x-amzn-errortype')?.split(':')[0]).toBe(type);
  const body = res.json();
  expect(body.__type).toBe(type);
  const text = (body.message ?? body.Message) as string | undefined;
  if (typeof message === 'string') expect(text).toBe(message);
  else if (message !== undefined) expect(text).toMatch(message);
  expect(res.body).not.toMatch(/\bat .*\.js:\d+/); // never a stack trace
}

beforeAll(async () => {
  server = await startServer(['--shard-limit', '10']);
  expect((await call('CreateStream', { StreamName: stream, ShardCount: 2 })).status).toBe(200);
  const records = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, data: `accepted-${i}` }));
  const res = await call('PutRecords', { StreamName: stream, Records: records.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data).toString('base64') })) });
  expect(res.status).toBe(200);
  expect(res.json().FailedRecordCount).toBe(0);
  accepted.push(...records);
});

afterAll(async () => {
  // Nothing accepted before the bad requests was lost or changed, and the server never died.
  expect(server.alive()).toBe(true);
  const seen: string[] = [];
  for (const shard of ['shardId-000000000000', 'shardId-000000000001']) {
    const it = await call('GetShardIterator', { StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' });
    const got = await call('GetRecords', { ShardIterator: it.json().ShardIterator });
    for (const r of got.json().Records as Array<{ Data: string; PartitionKey: string }>) seen.push(`${r.PartitionKey}=${Buffer.from(r.Data, 'base64').toString()}`);
  }
  expect(seen.sort()).toEqual(accepted.map((r) => `${r.key}=${r.data}`).sort());
  expect(server.stderr()).not.toMatch(/\n\s+at /);
  await server.stop();
});

describe('malformed requests', () => {
  it('malformed JSON → SerializationException', async () => {
    await expectError(await call('PutRecords', '{"StreamName": '), 'SerializationException');
  });
  it('malformed CBOR → SerializationException', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`, {
      method: 'POST',
      headers: { ...cborHeaders, 'x-amz-target': K('PutRecords') },
      body: Buffer.from([0xbf, 0x61]),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')?.split(':')[0]).toBe('SerializationException');
    expect(cborDecode(Buffer.from(await res.arrayBuffer()))).toEqual({ __type: 'SerializationException' });
  });
  it('wrong member types → SerializationException with the deserializer wording', async () => {
    await expectError(await call('CreateStream', { StreamName: 'x', ShardCount: 'two' }), 'SerializationException', 'class java.lang.String can not be converted to an Integer');
    await expectError(await call('PutRecords', { StreamName: stream, Records: 'nope' }), 'SerializationException', 'Expected list or null');
    await expectError(
      await call('PutRecord', { StreamName: stream, PartitionKey: 'k', Data: 'abc' }),
      'SerializationException',
      "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
    );
  });
  it('data that is not base64 → SerializationException naming the character, on every put path; the stream unchanged', async () => {
    const before = (await call('DescribeStreamSummary', { StreamName: stream })).json();
    for (const [data, bad] of [['SGk-', '-'], ['SG_k', '_'], ['SG k', ' '], ['S=Gk', '='], ['SGk!', '!'], ['SGk=SGk=', '=']] as const) {
      const message = `'${data}' can not be converted to a Blob: Invalid Base64 character: '${bad}'`;
      await expectError(await call('PutRecord', { StreamName: stream, PartitionKey: 'k', Data: data }), 'SerializationException', message);
      // PutRecords' packed path hands a record it cannot pack to the generic one, which says why.
      await expectError(await call('PutRecords', { StreamName: stream, Records: [{ PartitionKey: 'k', Data: 'SGk=' }, { PartitionKey: 'k', Data: data }] }), 'SerializationException', message);
    }
    const after = (await call('DescribeStreamSummary', { StreamName: stream })).json();
    expect(after).toEqual(before);
  });
  it('unknown operation → UnknownOperationException', async () => {
    await expectError(await call('FlyToTheMoon', {}), 'UnknownOperationException');
  });
  it('no Authorization header → MissingAuthenticationTokenException', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': K('ListStreams') },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });
  it('incomplete Authorization header → IncompleteSignatureException', async () => {
    const res = await call('ListStreams', {}, { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/x' });
    await expectError(res, 'IncompleteSignatureException', /Authorization header requires 'Signature' parameter/);
  });
});

describe('records out of bounds', () => {
  it("data over the model's 10 MiB → ValidationException; over the stream's 1 MiB → InvalidArgumentException", async () => {
    const res = await call('PutRecord', { StreamName: stream, PartitionKey: 'k', Data: Buffer.alloc(10485761).toString('base64') });
    await expectError(
      res,
      'ValidationException',
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 10485760",
    );
    const over = await call('PutRecord', { StreamName: stream, PartitionKey: 'k', Data: Buffer.alloc(1048577).toString('base64') });
    await expectError(over, 'InvalidArgumentException', 'Record size (data and partition key) exceeds 1 MB limit');
  });
  it('data plus key over 1 MiB → InvalidArgumentException', async () => {
    const res = await call('PutRecord', { StreamName: stream, PartitionKey: 'kk', Data: Buffer.alloc(1048576).toString('base64') });
    await expectError(res, 'InvalidArgumentException', 'Record size (data and partition key) exceeds 1 MB limit');
  });
  it('a batch over 5 MiB → InvalidArgumentException', async () => {
    const Records = Array.from({ length: 6 }, (_, i) => ({ PartitionKey: `big${i}`, Data: Buffer.alloc(900_000).toString('base64') }));
    await expectError(await call('PutRecords', { StreamName: stream, Records }), 'InvalidArgumentException', 'Records size exceeds 5 MB limit');
  });
  it('501 records → ValidationException', async () => {
    const Records = Array.from({ length: 501 }, () => ({ PartitionKey: 'k', Data: 'AA==' }));
    await expectError(await call('PutRecords', { StreamName: stream, Records }), 'ValidationException', /at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/);
  });
  it('empty and 257-character partition keys → ValidationException', async () => {
    await expectError(
      await call('PutRecord', { StreamName: stream, PartitionKey: '', Data: 'AA==' }),
      'ValidationException',
      "1 validation error detected: Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const long = 'p'.repeat(257);
    await expectError(
      await call('PutRecords', { StreamName: stream, Records: [{ PartitionKey: long, Data: 'AA==' }] }),
      'ValidationException',
      `1 validation error detected: Value '${long}' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
  });
  it('an ExplicitHashKey beyond 2^128-1 → InvalidArgumentException', async () => {
    const res = await call('PutRecord', { StreamName: stream, PartitionKey: 'k', Data: 'AA==', ExplicitHashKey: (1n << 128n).toString() });
    await expectError(res, 'InvalidArgumentException', `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${(1n << 128n).toString()}`);
  });
});

describe('streams, shards and iterators that do not exist', () => {
  it('unknown stream → ResourceNotFoundException', async () => {
    await expectError(await call('PutRecord', { StreamName: 'nope', PartitionKey: 'k', Data: 'AA==' }), 'ResourceNotFoundException', 'Stream nope under account 000000000000 not found.');
    await expectError(await call('DescribeStream', { StreamName: 'nope' }), 'ResourceNotFoundException', 'Stream nope under account 000000000000 not found.');
  });
  it('existing stream → ResourceInUseException; over the shard limit → LimitExceededException', async () => {
    await expectError(await call('CreateStream', { StreamName: stream, ShardCount: 1 }), 'ResourceInUseException', `Stream ${stream} under account 000000000000 already exists.`);
    await expectError(await call('CreateStream', { StreamName: uniqueName('big'), ShardCount: 9 }), 'LimitExceededException', /^This request would exceed the shard limit for the account 000000000000 in us-east-1\. Current shard count for the account: 2\. Limit: 10\./);
  });
  it('unknown shard, and a sequence number from another shard', async () => {
    await expectError(
      await call('GetShardIterator', { StreamName: stream, ShardId: 'shardId-000000000009', ShardIteratorType: 'LATEST' }),
      'ResourceNotFoundException',
      `Shard shardId-000000000009 in stream ${stream} under account 000000000000 does not exist`,
    );
    const put = (await call('PutRecord', { StreamName: stream, PartitionKey: 'k1', Data: Buffer.from('accepted-x').toString('base64') })).json();
    accepted.push({ key: 'k1', data: 'accepted-x' });
    const other = put.ShardId === 'shardId-000000000000' ? 'shardId-000000000001' : 'shardId-000000000000';
    await expectError(
      await call('GetShardIterator', { StreamName: stream, ShardId: other, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.SequenceNumber }),
      'InvalidArgumentException',
      `Invalid StartingSequenceNumber. It encodes ${put.ShardId as string}, while it was used in a call to a shard with ${other}`,
    );
    await expectError(
      await call('GetShardIterator', { StreamName: stream, ShardId: other, ShardIteratorType: 'AT_SEQUENCE_NUMBER' }),
      'InvalidArgumentException',
      /Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber\.$/,
    );
  });
  it('invalid iterator → InvalidArgumentException', async () => {
    await expectError(await call('GetRecords', { ShardIterator: 'AAAAAAAAAAAAAAAAAAAA' }), 'InvalidArgumentException', 'Invalid ShardIterator.');
    await expectError(await call('GetRecords', { ShardIterator: 'not base64 at all!' }), 'InvalidArgumentException', 'Invalid ShardIterator.');
  });
  it('iterator older than 5 minutes → ExpiredIteratorException', async () => {
    // The server's own codec and key (derived from account and region), six minutes ago.
    const codec = new IteratorCodec('riffle-iterator:000000000000:us-east-1');
    const fresh = (await call('GetShardIterator', { StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })).json();
    const state = codec.decode(fresh.ShardIterator as string);
    expect(state).not.toBeNull();
    const old = codec.encode({ ...state!, createdMs: Date.now() - 360_000 });
    await expectError(
      await call('GetRecords', { ShardIterator: old }),
      'ExpiredIteratorException',
      /^Iterator expired\. The iterator was created at time \w{3} \w{3} \d{2} [\d:]{8} UTC \d{4} while right now it is .* which is further in the future than the tolerated delay of 300000 milliseconds\.$/,
    );
  });
  it('retention outside 24–8760 hours → InvalidArgumentException', async () => {
    await expectError(
      await call('IncreaseStreamRetentionPeriod', { StreamName: stream, RetentionPeriodHours: 12 }),
      'InvalidArgumentException',
      'Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.',
    );
    await expectError(
      await call('IncreaseStreamRetentionPeriod', { StreamName: stream, RetentionPeriodHours: 9000 }),
      'InvalidArgumentException',
      'Maximum allowed retention period is 8760 hours. Requested retention period (9000 hours) is too long.',
    );
  });
});

describe('CBOR (application/x-amz-cbor-1.1), as the Java SDK and KCL send it', () => {
  const cbor = async (op: string, body: object): Promise<{ status: number; type: string | null; value: Record<string, unknown> }> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: { ...cborHeaders, 'x-amz-target': K(op) }, body: cborEncode(body) });
    return { status: res.status, type: res.headers.get('content-type'), value: cborDecode(Buffer.from(await res.arrayBuffer())) as Record<string, unknown> };
  };

  it('puts and gets binary records, with timestamps as the Java SDK reads them', async () => {
    const data = Buffer.from([0, 1, 2, 254, 255]);
    const put = await cbor('PutRecord', { StreamName: stream, PartitionKey: 'cbor', Data: data });
    expect(put.status).toBe(200);
    expect(put.type).toBe('application/x-amz-cbor-1.1');
    accepted.push({ key: 'cbor', data: data.toString() });
    const it = await cbor('GetShardIterator', { StreamName: stream, ShardId: put.value.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.value.SequenceNumber });
    const got = await cbor('GetRecords', { ShardIterator: it.value.ShardIterator, Limit: 1 });
    expect(got.status).toBe(200);
    const rec = (got.value.Records as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    expect(Buffer.from(rec.Data as Uint8Array)).toEqual(data);
    expect(rec.PartitionKey).toBe('cbor');
    expect(rec.SequenceNumber).toBe(put.value.SequenceNumber);
    // Tag 1 carrying epoch *milliseconds* (Java SDK v1/v2 CBOR). cbor-x reads tag 1 as seconds,
    // so the Date it builds is 1000× too far out: dividing back must land on now.
    const ts = rec.ApproximateArrivalTimestamp as Date;
    expect(ts).toBeInstanceOf(Date);
    expect(Math.abs(ts.getTime() / 1000 - Date.now())).toBeLessThan(60_000);
  });

  it('sends AWS errors as CBOR', async () => {
    const res = await cbor('DescribeStream', { StreamName: 'nope' });
    expect(res.status).toBe(400);
    expect(res.value).toEqual({ __type: 'ResourceNotFoundException', message: 'Stream nope under account 000000000000 not found.' });
    expect(server.alive()).toBe(true);
  });
});
