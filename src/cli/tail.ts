import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type _Record, type Shard, type ShardIteratorType } from '@aws-sdk/client-kinesis';
import { flag, helpText, num, parseArgs, str, UsageError, type OptionTable } from './args.js';
import { TARGET_OPTIONS, targetOf, type Target } from './target.js';

const OPTIONS: OptionTable = {
  ...TARGET_OPTIONS,
  from: { kind: 'string', help: 'latest (default) | trim_horizon | an ISO 8601 time: where each shard is read from' },
  json: { kind: 'flag', help: 'one JSON object per record: shard, sequence number, key, arrival, data (UTF-8, else dataBase64)' },
  limit: { kind: 'number', min: 1, max: 1e12, help: 'stop after this many records' },
  seconds: { kind: 'number', min: 0, max: 1e9, help: 'stop after this many seconds' },
  'poll-ms': { kind: 'number', min: 0, max: 60_000, help: 'wait between reads of a shard that had nothing new (default 250; AWS allows 5 reads per shard per second)' },
};

export const TAIL_HELP = helpText(
  'riffle tail <stream> [options]',
  "Follows every shard of the stream and prints its records as they arrive (kcat's -C for Kinesis): the data as a line of text, or --json. Follows resharding: a closed shard's children are read once it (and, after a merge, its other parent) is read to its end.",
  OPTIONS,
);

interface Reader {
  shardId: string;
  order: number;
  iterator: string | undefined;
  /** When (local ms) the last read that found the shard caught up was sent: it has nothing that arrived before. 0: not yet. */
  caughtUpMs: number;
}

/** A record is held for the order across shards at most this long, and at most this many are held. */
const HOLD_MS = 2000;
const HOLD_MAX = 20_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function render(stream: string, shardId: string, r: _Record, json: boolean): string {
  const data = r.Data ?? new Uint8Array(0);
  if (!json) return `${Buffer.from(data).toString('utf8')}\n`;
  let text: string | undefined;
  try {
    text = utf8.decode(data);
  } catch {
    text = undefined;
  }
  const out = {
    stream,
    shardId,
    sequenceNumber: r.SequenceNumber,
    partitionKey: r.PartitionKey,
    arrival: r.ApproximateArrivalTimestamp?.toISOString(),
    ...(text === undefined ? { dataBase64: Buffer.from(data).toString('base64') } : { data: text }),
  };
  return `${JSON.stringify(out)}\n`;
}

async function listShards(target: Target, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await target.kinesis.send(new ListShardsCommand(token === undefined ? { StreamName: stream } : { NextToken: token }));
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  return shards;
}

export async function tailCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, 1);
  if (p.help) return void process.stdout.write(TAIL_HELP);
  const stream = p.positional[0];
  if (stream === undefined) throw new UsageError('name the stream: riffle tail <stream>');
  const fromText = str(p, 'from') ?? 'latest';
  const from = fromText.toLowerCase();
  let type: ShardIteratorType;
  let timestamp: Date | undefined;
  if (from === 'latest') type = 'LATEST';
  else if (from === 'trim_horizon' || from === 'trim-horizon') type = 'TRIM_HORIZON';
  else {
    timestamp = new Date(str(p, 'from')!);
    if (Number.isNaN(timestamp.getTime())) throw new UsageError(`--from ${JSON.stringify(str(p, 'from'))}: latest, trim_horizon or an ISO 8601 time`);
    type = 'AT_TIMESTAMP';
  }
  const json = flag(p, 'json');
  const limit = num(p, 'limit', Infinity);
  const pollMs = num(p, 'poll-ms', 250);
  const seconds = num(p, 'seconds', Infinity);
  const deadline = Date.now() + seconds * 1000;
  const target = targetOf(p);
  let stopping = false;
  const stop = (): void => void (stopping = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const shards = await listShards(target, stream);
    const known = new Set(shards.map((s) => s.ShardId!));
    const ended = new Set<string>();
    const parentsOf = new Map<string, string[]>();
    for (const s of shards) parentsOf.set(s.ShardId!, [s.ParentShardId, s.AdjacentParentShardId].filter((x): x is string => x !== undefined && known.has(x)));
    let order = 0;
    const readers: Reader[] = [];
    const open = async (shardId: string, t: ShardIteratorType, at?: Date): Promise<void> => {
      const it = await target.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: t, ...(at === undefined ? {} : { Timestamp: at }) }));
      readers.push({ shardId, order: order++, iterator: it.ShardIterator, caughtUpMs: 0 });
    };
    // LATEST: the open shards (closed ones get nothing new). Otherwise every shard whose parents are
    // gone; the others start when their parents end (a parent's records come before its children's).
    const closed = (s: Shard) => s.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    const first = type === 'LATEST' ? shards.filter((s) => !closed(s)) : shards.filter((s) => parentsOf.get(s.ShardId!)!.length === 0);
    for (const s of first) await open(s.ShardId!, type, timestamp);
    process.stderr.write(`riffle tail: following ${stream} (${readers.length} shard(s)) from ${fromText}\n`);

    let printed = 0;
    // Records in arrival order across shards: one is printed once every shard has been read caught
    // up since it arrived (nothing older can come from any of them), or after HOLD_MS. Arrival
    // times are the server's and the watermark is this machine's clock: on another machine, with
    // clocks apart, the order across shards is as good as the clocks.
    const pending: Array<{ at: number; order: number; line: string; heldSince: number }> = [];
    const release = (all: boolean): void => {
      pending.sort((a, b) => a.at - b.at || a.order - b.order); // stable: a shard's records keep their order
      const watermark = readers.length === 0 ? Infinity : Math.min(...readers.map((r) => r.caughtUpMs));
      const now = Date.now();
      let n = 0;
      while (n < pending.length && printed < limit && (all || pending[n]!.at <= watermark || pending.length - n > HOLD_MAX || now - pending[n]!.heldSince > HOLD_MS)) {
        process.stdout.write(pending[n]!.line);
        printed++;
        n++;
      }
      pending.splice(0, n);
    };
    while (!stopping && printed < limit && Date.now() < deadline && readers.length > 0) {
      const sentMs = Date.now();
      const round = await Promise.all(
        readers.map(async (r) => {
          try {
            return { r, out: await target.kinesis.send(new GetRecordsCommand({ ShardIterator: r.iterator, Limit: 10_000 })) };
          } catch (err) {
            // Over the shard's read limit: it is read again next round.
            if ((err as Error).name === 'ProvisionedThroughputExceededException') return { r, out: null };
            throw err;
          }
        }),
      );
      let busy = false;
      const receivedMs = Date.now();
      for (const { r, out } of round) {
        if (out === null) continue;
        for (const rec of out.Records ?? []) pending.push({ at: rec.ApproximateArrivalTimestamp?.getTime() ?? 0, order: r.order, line: render(stream, r.shardId, rec, json), heldSince: receivedMs });
        if ((out.Records?.length ?? 0) > 0 || (out.MillisBehindLatest ?? 0) > 0) busy = true;
        if ((out.MillisBehindLatest ?? 0) === 0) r.caughtUpMs = sentMs;
        r.iterator = out.NextShardIterator;
        if (r.iterator === undefined) {
          // The shard's end: its children start once all their parents have ended.
          ended.add(r.shardId);
          for (const child of out.ChildShards ?? []) {
            if (child.ShardId === undefined || known.has(child.ShardId)) continue;
            known.add(child.ShardId);
            parentsOf.set(child.ShardId, child.ParentShards ?? []);
          }
        }
      }
      for (let i = readers.length - 1; i >= 0; i--) if (readers[i]!.iterator === undefined) readers.splice(i, 1);
      release(false);
      for (const [shardId, parents] of parentsOf) {
        if (ended.has(shardId) || readers.some((r) => r.shardId === shardId) || parents.length === 0 || !parents.every((x) => ended.has(x))) continue;
        // A child from its start; from a time, from that time (its older records are before it too).
        await open(shardId, type === 'AT_TIMESTAMP' ? 'AT_TIMESTAMP' : 'TRIM_HORIZON', timestamp);
        busy = true;
      }
      if (!busy) await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    release(true);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    target.kinesis.destroy();
  }
}
