import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawRequest, startServer, uniqueName, type RunningServer } from './harness.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--create-stream-ms', '400', '--delete-stream-ms', '400', '--update-stream-ms', '400']);
});
afterAll(async () => {
  await server.stop();
});

const call = async (op: string, body: object) => rawRequest(server.port, `Kinesis_20131202.${op}`, JSON.stringify(body));
const status = async (name: string): Promise<string> =>
  ((await call('DescribeStreamSummary', { StreamName: name })).json().StreamDescriptionSummary as { StreamStatus: string }).StreamStatus;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('moves CREATING → ACTIVE → UPDATING → ACTIVE → DELETING → gone with the configured delays', async () => {
  const name = uniqueName('life');
  expect((await call('CreateStream', { StreamName: name, ShardCount: 1 })).status).toBe(200);
  expect(await status(name)).toBe('CREATING');
  const described = (await call('DescribeStream', { StreamName: name })).json().StreamDescription as { Shards: unknown[] };
  expect(described.Shards).toEqual([]);
  const early = await call('PutRecord', { StreamName: name, PartitionKey: 'k', Data: 'AA==' });
  expect(early.json().__type).toBe('ResourceNotFoundException');
  expect((await call('DeleteStream', { StreamName: name })).json()).toEqual({
    __type: 'ResourceInUseException',
    message: `Attempt to change a resource which is still in use: Stream is being created: ${name}`,
  });
  await sleep(600);
  expect(await status(name)).toBe('ACTIVE');
  expect((await call('PutRecord', { StreamName: name, PartitionKey: 'k', Data: 'AA==' })).status).toBe(200);

  const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
  expect((await call('UpdateStreamMode', { StreamARN: arn, StreamModeDetails: { StreamMode: 'ON_DEMAND' } })).status).toBe(200);
  expect(await status(name)).toBe('UPDATING');
  const busy = await call('IncreaseStreamRetentionPeriod', { StreamName: name, RetentionPeriodHours: 48 });
  expect(busy.json()).toEqual({ __type: 'ResourceInUseException', message: `Stream ${name} under account 000000000000 not ACTIVE, instead in state UPDATING` });
  // Writes continue while UPDATING, as on AWS.
  expect((await call('PutRecord', { StreamName: name, PartitionKey: 'k', Data: 'AA==' })).status).toBe(200);
  await sleep(600);
  expect(await status(name)).toBe('ACTIVE');

  expect((await call('DeleteStream', { StreamName: name })).status).toBe(200);
  expect(await status(name)).toBe('DELETING');
  await sleep(600);
  expect((await call('DescribeStreamSummary', { StreamName: name })).json().__type).toBe('ResourceNotFoundException');
});

it('refuses a sixth stream while five are CREATING', async () => {
  const names = Array.from({ length: 6 }, () => uniqueName('burst'));
  const results = [];
  for (const n of names) results.push(await call('CreateStream', { StreamName: n, ShardCount: 1 }));
  expect(results.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  expect(results[5]?.json().__type).toBe('LimitExceededException');
});

it('creates tags with the stream, all or nothing', async () => {
  await sleep(600); // let the previous test's CREATING streams become ACTIVE
  const name = uniqueName('tagged');
  const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
  const refused = await call('CreateStream', { StreamName: name, ShardCount: 1, Tags: tooMany });
  expect(refused.json().__type).toBe('InvalidArgumentException');
  const badChars = await call('CreateStream', { StreamName: name, ShardCount: 1, Tags: { 'a*b': 'v' } });
  expect(badChars.json()).toEqual({
    __type: 'InvalidArgumentException',
    message: 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
  });
  // Neither refusal created the stream.
  expect((await call('DescribeStreamSummary', { StreamName: name })).json().__type).toBe('ResourceNotFoundException');
  expect((await call('CreateStream', { StreamName: name, ShardCount: 1, Tags: { team: 'ingest' } })).status).toBe(200);
  await sleep(600);
  expect((await call('ListTagsForStream', { StreamName: name })).json().Tags).toEqual([{ Key: 'team', Value: 'ingest' }]);
});
