import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamConsumersCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type KinesisClient,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { h1Client, h2Client, startServer, type RunningServer } from './harness.js';

// Enhanced fan-out against the real server process with the real AWS SDK v3 client: registered
// consumers, SubscribeToShard event streams over HTTP/2 (the SDK's default) and HTTP/1.1.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RunningServer;
let client: KinesisClient;
beforeAll(async () => {
  // Sessions of 2 s instead of AWS's 5 minutes, so renewal is seen; writes unthrottled, push at 2 MiB/s.
  server = await startServer(['--subscription-ms', '2000', '--consumer-limit', '3', '--write-bytes-per-sec', '100000000', '--write-records-per-sec', '1000000']);
  client = h2Client(server.port);
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/internal failure|Error:/);
  await server.stop();
});

async function newStream(name: string, shards = 1): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  return (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN as string;
}

async function register(streamArn: string, name: string): Promise<string> {
  return (await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }))).Consumer?.ConsumerARN as string;
}

async function put(stream: string, from: number, n: number, size = 20): Promise<string[]> {
  const out = await client.send(
    new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`r${from + i}-`.padEnd(size, '.')) })) }),
  );
  expect(out.FailedRecordCount).toBe(0);
  return (out.Records ?? []).map((r) => r.SequenceNumber as string);
}

interface Got {
  seq: string;
  data: string;
}

/**
 * Reads one subscription's events until `until` says stop or the stream ends; returns what it got
 * and the last ContinuationSequenceNumber.
 */
async function collect(
  events: AsyncIterable<SubscribeToShardEventStream>,
  got: Got[],
  until: () => boolean = () => false,
): Promise<{ continuation: string | undefined; ended: 'end' | 'stopped' }> {
  let continuation: string | undefined;
  for await (const ev of events) {
    const e = ev.SubscribeToShardEvent;
    if (e === undefined) continue;
    for (const r of e.Records ?? []) got.push({ seq: r.SequenceNumber as string, data: Buffer.from(r.Data as Uint8Array).toString() });
    continuation = e.ContinuationSequenceNumber;
    if (until()) return { continuation, ended: 'stopped' };
  }
  return { continuation, ended: 'end' };
}

describe('registered consumers', () => {
  it('registers, describes, lists in pages, deregisters, with AWS ARNs, states and limits', async () => {
    const streamArn = await newStream('consumers');
    const arns = [await register(streamArn, 'a'), await register(streamArn, 'b'), await register(streamArn, 'c')];
    expect(arns[0]).toMatch(/^arn:aws:kinesis:us-east-1:000000000000:stream\/consumers\/consumer\/a:\d{10}$/);
    const described = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arns[1] }));
    expect(described.ConsumerDescription).toMatchObject({ ConsumerName: 'b', ConsumerARN: arns[1], ConsumerStatus: 'ACTIVE', StreamARN: streamArn });
    expect(described.ConsumerDescription?.ConsumerCreationTimestamp).toBeInstanceOf(Date);
    const byName = await client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'c' }));
    expect(byName.ConsumerDescription?.ConsumerARN).toBe(arns[2]);
    expect((await client.send(new DescribeStreamSummaryCommand({ StreamName: 'consumers' }))).StreamDescriptionSummary?.ConsumerCount).toBe(3);

    const page1 = await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn, MaxResults: 2 }));
    expect(page1.Consumers?.map((c) => c.ConsumerName)).toEqual(['a', 'b']);
    const page2 = await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn, NextToken: page1.NextToken }));
    expect(page2.Consumers?.map((c) => c.ConsumerName)).toEqual(['c']);
    expect(page2.NextToken).toBeUndefined();

    // The limit (--consumer-limit 3 here; AWS: 20), a taken name, unknown consumers, bad ARNs.
    await expect(client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'd' }))).rejects.toMatchObject({ name: 'LimitExceededException' });
    await expect(client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'a' }))).rejects.toMatchObject({
      name: 'ResourceInUseException',
      message: 'Consumer a under stream consumers already exists for account 000000000000.',
    });
    await expect(client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'zz' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new DescribeStreamConsumerCommand({ ConsumerARN: `${streamArn}/consumer/a:1` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn }))).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    await expect(client.send(new RegisterStreamConsumerCommand({ StreamARN: 'not-an-arn', ConsumerName: 'x' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'bad name' }))).rejects.toMatchObject({ name: 'ValidationException' });

    // A stream with consumers is only deleted with EnforceConsumerDeletion.
    await expect(client.send(new DeleteStreamCommand({ StreamName: 'consumers' }))).rejects.toMatchObject({ name: 'ResourceInUseException' });
    await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: arns[0] }));
    expect((await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn }))).Consumers?.map((c) => c.ConsumerName)).toEqual(['b', 'c']);
    await client.send(new DeleteStreamCommand({ StreamName: 'consumers', EnforceConsumerDeletion: true }));
    expect(server.alive()).toBe(true);
  });
});

describe('SubscribeToShard', () => {
  it('pushes every record in order over HTTP/2, and across session renewals with ContinuationSequenceNumber', async () => {
    const streamArn = await newStream('push');
    const consumerArn = await register(streamArn, 'reader');
    const expected = await put('push', 0, 50);
    // Writes keep coming while sessions end (every 2 s here) and are renewed.
    let writing = true;
    const writer = (async () => {
      for (let n = 50; writing; n += 25) {
        expected.push(...(await put('push', n, 25)));
        await sleep(100);
      }
    })();
    const got: Got[] = [];
    let position: { Type: 'TRIM_HORIZON' } | { Type: 'AFTER_SEQUENCE_NUMBER'; SequenceNumber: string } = { Type: 'TRIM_HORIZON' };
    let sessions = 0;
    while (sessions < 2) {
      const sub = await client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: position }));
      const { continuation, ended } = await collect(sub.EventStream as AsyncIterable<SubscribeToShardEventStream>, got);
      expect(ended).toBe('end'); // the server ended the session
      sessions++;
      position = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation as string };
      await sleep(5_000 - 2_000); // AWS: no new subscription for the same consumer and shard within 5 s of the last
    }
    writing = false;
    await writer;
    // Drain what was written after the last session (a third, renewed one).
    const sub = await client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: position }));
    await collect(sub.EventStream as AsyncIterable<SubscribeToShardEventStream>, got, () => got.length >= expected.length);
    expect(sessions).toBeGreaterThanOrEqual(2);
    expect(got.map((g) => g.seq)).toEqual(expected);
    expect(got.slice(0, 3).map((g) => g.data)).toEqual(['r0-'.padEnd(20, '.'), 'r1-'.padEnd(20, '.'), 'r2-'.padEnd(20, '.')]);
  }, 60_000);

  it('works over HTTP/1.1 (chunked) on both ports, from every starting position type', async () => {
    const streamArn = await newStream('push-h1');
    const seqs = await put('push-h1', 0, 10);
    // AT_TIMESTAMP includes records that arrived in the same millisecond as the timestamp: leave
    // a gap on both sides so that only the later five are at or after it.
    await sleep(20);
    const t = new Date();
    await sleep(20);
    seqs.push(...(await put('push-h1', 10, 5)));
    const positions = [
      { Type: 'TRIM_HORIZON' as const, want: seqs },
      { Type: 'AT_SEQUENCE_NUMBER' as const, SequenceNumber: seqs[3], want: seqs.slice(3) },
      { Type: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: seqs[3], want: seqs.slice(4) },
      { Type: 'AT_TIMESTAMP' as const, Timestamp: t, want: seqs.slice(10) },
    ];
    for (const [i, port] of [server.port, server.streamPort].entries()) {
      const h1 = h1Client(port);
      for (const [j, { want, ...position }] of positions.entries()) {
        const consumerArn = await register(streamArn, `h1-${i}-${j}`);
        const sub = await h1.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: position }));
        const got: Got[] = [];
        await collect(sub.EventStream as AsyncIterable<SubscribeToShardEventStream>, got, () => got.length >= want.length);
        expect(got.map((g) => g.seq)).toEqual(want);
        await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerArn }));
      }
    }
    // LATEST: only what is written after subscribing.
    const consumerArn = await register(streamArn, 'latest');
    const sub = await client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }));
    const later = await put('push-h1', 100, 3);
    const got: Got[] = [];
    await collect(sub.EventStream as AsyncIterable<SubscribeToShardEventStream>, got, () => got.length >= 3);
    expect(got.map((g) => g.seq)).toEqual(later);
  }, 60_000);

  it('refuses a second subscription within 5 s (ResourceInUseException) and bad requests with AWS errors', async () => {
    const streamArn = await newStream('dup');
    const consumerArn = await register(streamArn, 'once');
    const first = await client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }));
    await expect(client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }))).rejects.toMatchObject({
      name: 'ResourceInUseException',
    });
    await expect(client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000009', StartingPosition: { Type: 'LATEST' } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(client.send(new SubscribeToShardCommand({ ConsumerARN: `${streamArn}/consumer/nobody:1`, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'AT_SEQUENCE_NUMBER' } })),
    ).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    // Deregistering the consumer ends its subscription: the stream closes with ResourceNotFoundException.
    const ending = collect(first.EventStream as AsyncIterable<SubscribeToShardEventStream>, []);
    await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerArn }));
    await expect(ending).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(server.alive()).toBe(true);
  }, 30_000);
});

describe('SubscribeToShard limits', () => {
  let limited: RunningServer;
  beforeAll(async () => {
    limited = await startServer(['--push-bytes-per-sec', '262144', '--write-bytes-per-sec', '100000000', '--write-records-per-sec', '1000000']);
  });
  afterAll(() => limited.stop());

  it('holds each consumer to its bytes per second, and a consumer that stops reading does not slow another', async () => {
    const c = h2Client(limited.port);
    await c.send(new CreateStreamCommand({ StreamName: 'lim', ShardCount: 1 }));
    const streamArn = (await c.send(new DescribeStreamSummaryCommand({ StreamName: 'lim' }))).StreamDescriptionSummary?.StreamARN as string;
    // 1.25 MB of records: at 256 KiB/s (a one-second burst first) that takes about 3.8 s to push.
    const total = 1_250;
    for (let n = 0; n < total; n += 250) {
      await c.send(new PutRecordsCommand({ StreamName: 'lim', Records: Array.from({ length: 250 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.alloc(1000, (n + i) % 256) })) }));
    }
    const slowArn = (await c.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'slow' }))).Consumer?.ConsumerARN;
    const fastArn = (await c.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'fast' }))).Consumer?.ConsumerARN;
    // The slow consumer subscribes and never reads its events (HTTP/2 flow control backs up).
    const slowClient = h2Client(limited.port);
    const slow = await slowClient.send(new SubscribeToShardCommand({ ConsumerARN: slowArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }));
    const started = Date.now();
    const fast = await c.send(new SubscribeToShardCommand({ ConsumerARN: fastArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }));
    const got: Got[] = [];
    const stamps: number[] = [];
    await collect(fast.EventStream as AsyncIterable<SubscribeToShardEventStream>, got, () => {
      stamps.push(Date.now() - started);
      return got.length >= total;
    });
    const elapsed = (Date.now() - started) / 1000;
    const bytes = total * (1000 + 1);
    // At most one second's burst plus the rate; at least most of the rate (timers and a busy machine).
    expect(bytes).toBeLessThanOrEqual(262_144 * (elapsed + 1) + 64 * 1024);
    expect(elapsed).toBeGreaterThan(3);
    expect(elapsed).toBeLessThan(15);
    expect(got.length).toBe(total);
    // Limited evenly, not in one burst at the end: half the records arrived in the first ~55% of the time.
    expect(stamps[Math.floor(stamps.length / 2)] as number).toBeLessThan(elapsed * 1000 * 0.75);
    // The slow consumer's subscription is still open and gets everything, in order, once it reads.
    const slowGot: Got[] = [];
    await collect(slow.EventStream as AsyncIterable<SubscribeToShardEventStream>, slowGot, () => slowGot.length >= total);
    expect(slowGot.map((g) => g.seq)).toEqual(got.map((g) => g.seq));
  }, 60_000);
});
