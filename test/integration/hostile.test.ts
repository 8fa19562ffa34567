import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rawRequest, startServer, type RunningServer } from './harness.js';

// The holes a hostile pass found (issue 14), each tried against the real server: the request
// gets an AWS-shaped answer in good time, the server stays up, and others are served meanwhile.
let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
  await rawRequest(server.port, 'Kinesis_20131202.CreateStream', JSON.stringify({ StreamName: 'hostile', ShardCount: 1 }));
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/TypeError|internal failure/);
  await server.stop();
});

describe('a request crafted against the model patterns', () => {
  it('a 30 KB StreamARN made of the pattern pieces is answered at once, and nobody waits behind it', async () => {
    const evil = 'arn:aws' + ':kinesis::000000000000:stream/'.repeat(1000) + ' ';
    for (const op of ['DescribeStreamSummary', 'ListShards', 'PutRecord']) {
      const t = performance.now();
      const body = op === 'PutRecord' ? { StreamARN: evil, PartitionKey: 'k', Data: 'eA==' } : { StreamARN: evil };
      const [bad, normal] = await Promise.all([
        rawRequest(server.port, `Kinesis_20131202.${op}`, JSON.stringify(body)),
        rawRequest(server.port, 'Kinesis_20131202.DescribeStreamSummary', JSON.stringify({ StreamName: 'hostile' })),
      ]);
      expect(performance.now() - t).toBeLessThan(1000);
      expect(bad.status).toBe(400);
      expect(bad.json()).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining("at 'streamARN' failed to satisfy constraint: Member must have length less than or equal to 2048") });
      expect(normal.status).toBe(200);
    }
    // Under the length limit the pattern is checked, in linear time.
    const within = 'arn:aws' + ':kinesis::000000000000:stream/'.repeat(65) + ' ';
    expect(within.length).toBeLessThanOrEqual(2048);
    const t = performance.now();
    const res = await rawRequest(server.port, 'Kinesis_20131202.DescribeStreamSummary', JSON.stringify({ StreamARN: within }));
    expect(performance.now() - t).toBeLessThan(500);
    expect(res.json()).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+') });
  });
});

describe('null where an object goes', () => {
  it('PutRecords with a null record answers ValidationException, not 500', async () => {
    const res = await rawRequest(server.port, 'Kinesis_20131202.PutRecords', JSON.stringify({ StreamName: 'hostile', Records: [null] }));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ __type: 'ValidationException', message: "1 validation error detected: Value null at 'records.1.member' failed to satisfy constraint: Member must not be null" });
    const mixed = await rawRequest(server.port, 'Kinesis_20131202.PutRecords', JSON.stringify({ StreamName: 'hostile', Records: [{ PartitionKey: 'k', Data: 'eA==' }, null] }));
    expect(mixed.json()).toMatchObject({ __type: 'ValidationException', message: "1 validation error detected: Value null at 'records.2.member' failed to satisfy constraint: Member must not be null" });
  });

  it('a null SUBSCRIBE frame answers SerializationException and the connection goes on', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.streamPort}/subscribe`);
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const replies: Array<Record<string, unknown>> = [];
    ws.on('message', (m: Buffer) => replies.push(JSON.parse(m.toString()) as Record<string, unknown>));
    for (const frame of ['null', '[]', '5', '"x"']) ws.send(frame);
    for (let i = 0; i < 100 && replies.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    expect(replies).toEqual(Array.from({ length: 4 }, () => ({ type: 'error', code: 'SerializationException', message: 'SUBSCRIBE must be a JSON object.' })));
    ws.close();
  });
});
