import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
  UpdateShardCountCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { h1Client, h2Client, startServer, type RunningServer } from './harness.js';
import { Subscriber } from './push-subscriber.js';

// The lineage test: producers put continuously (many keys, each key's records in order) while the
// stream goes through several splits, a merge and an UpdateShardCount. Three readers that follow
// lineage (a parent to its end, then its children) must each get every acknowledged record exactly
// once and each key's records in order: GetRecords, SubscribeToShard, and WebSocket push.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RunningServer;
let client: KinesisClient;
afterEach(async () => {
  expect(server.stderr()).not.toMatch(/internal failure|Error:|did not take effect/);
  await server.stop();
});

interface Got {
  key: string;
  n: number;
  shardId: string;
  seq: string;
}

function parse(data: Uint8Array, shardId: string, seq: string): Got {
  const [key, n] = Buffer.from(data).toString().split(':') as [string, string];
  return { key, n: Number(n), shardId, seq };
}

/** Producers: `loops` sequential PutRecords loops, each with its own keys, each key's records numbered in order. */
class Producers {
  readonly acked: Got[] = [];
  private stopping = false;
  batches = 0;
  private readonly running: Promise<void>[] = [];

  constructor(
    private readonly c: KinesisClient,
    private readonly stream: string,
  ) {}

  start(loops: number, keysPerLoop: number): void {
    for (let l = 0; l < loops; l++) this.running.push(this.loop(l, keysPerLoop));
  }

  private async loop(l: number, keys: number): Promise<void> {
    const next = new Map<string, number>();
    while (!this.stopping) {
      const records = [];
      for (let rep = 0; rep < 3; rep++) {
        for (let k = 0; k < keys; k++) {
          const key = `p${l}k${k}`;
          const n = next.get(key) ?? 0;
          next.set(key, n + 1);
          records.push({ PartitionKey: key, Data: Buffer.from(`${key}:${n}`) });
        }
      }
      const out = await this.c.send(new PutRecordsCommand({ StreamName: this.stream, Records: records }));
      // Unthrottled: every record is stored (a failure here would break the key's order).
      expect(out.FailedRecordCount).toBe(0);
      (out.Records ?? []).forEach((r, i) => this.acked.push({ ...parse((records[i] as { Data: Buffer }).Data, r.ShardId as string, r.SequenceNumber as string) }));
      this.batches++;
    }
  }

  async afterBatches(n: number): Promise<void> {
    const target = this.batches + n;
    while (this.batches < target) await sleep(2);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }
}

/** Every acknowledged record exactly once, with its shard and sequence number, and each key in order. */
function check(label: string, acked: readonly Got[], got: readonly Got[]): void {
  const expected = new Map<string, Got[]>();
  for (const a of acked) expected.set(a.key, [...(expected.get(a.key) ?? []), a]);
  const seen = new Map<string, Got[]>();
  for (const g of got) seen.set(g.key, [...(seen.get(g.key) ?? []), g]);
  expect(got.length, `${label}: record count`).toBe(acked.length);
  for (const [key, list] of expected) {
    const mine = seen.get(key) ?? [];
    expect(mine.map((g) => g.n), `${label}: ${key} in order, once each`).toEqual(list.map((a) => a.n));
    expect(mine.map((g) => `${g.shardId}/${g.seq}`), `${label}: ${key} shards and sequence numbers`).toEqual(list.map((a) => `${a.shardId}/${a.seq}`));
  }
}

/** Starts reading each shard whose parents are all done; `read` resolves when the shard is done. */
class LineageWalker {
  readonly done = new Set<string>();
  private readonly started = new Set<string>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly read: (shardId: string, childrenOf: (children: Array<{ ShardId?: string; ParentShards?: string[] }>) => void) => Promise<void>) {}

  start(shardId: string): void {
    if (this.started.has(shardId)) return;
    this.started.add(shardId);
    const p = this.read(shardId, (children) => {
      this.done.add(shardId);
      for (const c of children) if ((c.ParentShards ?? []).every((id) => this.done.has(id))) this.start(c.ShardId as string);
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}

// Reshards take effect at once, or after 150 ms of UPDATING while the producers and readers go on.
describe.each([0, 150])('lineage under load, --update-stream-ms %i', (updateMs) => {
  it('every acknowledged record once and in per-key order over GetRecords, SubscribeToShard and WebSocket push, across splits, a merge and UpdateShardCount', async () => {
    server = await startServer(['--no-throttle', '--update-stream-ms', String(updateMs)]);
    client = h2Client(server.port);
    const name = 'lineage';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
    const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN as string;
    const consumer = (await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'lineage' }))).Consumer?.ConsumerARN as string;
    // SubscribeToShard's own consumer: one subscription per consumer and shard.
    const subscriber = (await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'subscriber' }))).Consumer?.ConsumerARN as string;
    for (const c of [consumer, subscriber]) {
      for (let i = 0; i < 200 && (await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: c }))).ConsumerDescription?.ConsumerStatus !== 'ACTIVE'; i++) await sleep(10);
    }
    let stop = false;

    // WebSocket push of the whole stream: follows lineage by itself.
    const push = new Subscriber(server.streamPort, { consumerARN: consumer, startingPosition: { Type: 'TRIM_HORIZON' } });
    await push.opened;

    // GetRecords, polling each shard (the consumer's part), children once their parents are done.
    const reader = h1Client(server.port);
    const viaGetRecords: Got[] = [];
    const polling = new LineageWalker(async (shardId, ended) => {
      let it = (await reader.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (it !== undefined) {
        const out = await reader.send(new GetRecordsCommand({ ShardIterator: it, Limit: 500 }));
        for (const r of out.Records ?? []) viaGetRecords.push(parse(r.Data as Uint8Array, shardId, r.SequenceNumber as string));
        if (out.NextShardIterator === undefined) return ended(out.ChildShards ?? []);
        if ((out.Records ?? []).length === 0) {
          if (stop) return;
          await sleep(10);
        }
        it = out.NextShardIterator;
      }
    });

    // SubscribeToShard: one subscription per shard, the next shards from its last event's ChildShards.
    const viaSubscribe: Got[] = [];
    const aborts = new Set<AbortController>();
    const subscribing = new LineageWalker(async (shardId, ended) => {
      const abort = new AbortController();
      aborts.add(abort);
      const sub = await client.send(new SubscribeToShardCommand({ ConsumerARN: subscriber, ShardId: shardId, StartingPosition: { Type: 'TRIM_HORIZON' } }), { abortSignal: abort.signal });
      try {
        for await (const ev of sub.EventStream ?? []) {
          const e = ev.SubscribeToShardEvent;
          if (e === undefined) continue;
          for (const r of e.Records ?? []) viaSubscribe.push(parse(r.Data as Uint8Array, shardId, r.SequenceNumber as string));
          if (e.ContinuationSequenceNumber === undefined) {
            expect(e.ChildShards?.length).toBeGreaterThan(0);
            return ended(e.ChildShards ?? []);
          }
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      } finally {
        aborts.delete(abort);
      }
    });
    for (const s of ['shardId-000000000000', 'shardId-000000000001']) {
      polling.start(s);
      subscribing.start(s);
    }

    const producers = new Producers(h2Client(server.port), name);
    producers.start(3, 20);
    const open = async (): Promise<Shard[]> =>
      ((await client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AT_LATEST' } }))).Shards ?? []).sort((a, b) =>
        BigInt(a.HashKeyRange?.StartingHashKey as string) < BigInt(b.HashKeyRange?.StartingHashKey as string) ? -1 : 1,
      );
    // The next reshard needs the stream ACTIVE again (at once with --update-stream-ms 0).
    const settled = async (): Promise<void> => {
      for (let i = 0; i < 500; i++) {
        if ((await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        await sleep(5);
      }
      throw new Error('the stream stayed UPDATING');
    };
    const mid = (s: Shard): string => ((BigInt(s.HashKeyRange?.StartingHashKey as string) + BigInt(s.HashKeyRange?.EndingHashKey as string)) / 2n).toString();

    await producers.afterBatches(8);
    let shards = await open();
    await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: shards[0]?.ShardId, NewStartingHashKey: mid(shards[0] as Shard) }));
    await settled();
    await producers.afterBatches(8);
    shards = await open();
    await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: shards[2]?.ShardId, NewStartingHashKey: mid(shards[2] as Shard) }));
    await settled();
    await producers.afterBatches(8);
    shards = await open();
    // Two adjacent open shards: the two halves of the first split's upper child's ... any pair that meets.
    const pair = shards.findIndex((s, i) => i + 1 < shards.length && BigInt(s.HashKeyRange?.EndingHashKey as string) + 1n === BigInt(shards[i + 1]?.HashKeyRange?.StartingHashKey as string));
    await client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: shards[pair]?.ShardId, AdjacentShardToMerge: shards[pair + 1]?.ShardId }));
    await settled();
    await producers.afterBatches(8);
    shards = await open();
    await client.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: shards.length + 2, ScalingType: 'UNIFORM_SCALING' }));
    await settled();
    await producers.afterBatches(8);
    await producers.stop();
    const acked = producers.acked;
    const usedShards = new Set(acked.map((a) => a.shardId));
    expect(usedShards.size).toBeGreaterThanOrEqual(8);
    expect((await open()).length).toBe(shards.length + 2);

    const deadline = Date.now() + 30_000;
    while ((viaGetRecords.length < acked.length || viaSubscribe.length < acked.length || push.records.length < acked.length) && Date.now() < deadline) await sleep(20);
    stop = true;
    if (viaGetRecords.length < acked.length) {
      const have = new Set(viaGetRecords.map((g) => g.seq));
      const missing = new Map<string, number>();
      for (const a of acked) if (!have.has(a.seq)) missing.set(a.shardId, (missing.get(a.shardId) ?? 0) + 1);
      console.log('missing by shard', [...missing], JSON.stringify((await client.send(new ListShardsCommand({ StreamName: name }))).Shards?.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId, s.SequenceNumberRange?.EndingSequenceNumber !== undefined])));
    }
    for (const a of aborts) a.abort();
    await polling.settled();
    await subscribing.settled();
    check('GetRecords', acked, viaGetRecords);
    check('SubscribeToShard', acked, viaSubscribe);
    const pushed = push.records.map((r) => {
      const [key, n] = r.data.split(':') as [string, string];
      const shardId = `shardId-${String(r.shardIndex).padStart(12, '0')}`;
      const match = acked.find((a) => a.key === key && a.n === Number(n));
      return { key, n: Number(n), shardId, seq: match !== undefined && match.shardId === shardId && match.seq.endsWith(String(r.counter).padStart(20, '0')) ? match.seq : `counter ${r.counter}` };
    });
    check('WebSocket push', acked, pushed);
    expect(push.control.filter((m) => m.type === 'shard-end').length).toBeGreaterThanOrEqual(6);
    await push.close();
  }, 90_000);
});
