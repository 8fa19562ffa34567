import { DescribeStreamSummaryCommand, ListShardsCommand, ListStreamConsumersCommand, type Consumer, type Shard } from '@aws-sdk/client-kinesis';
import { flag, helpText, parseArgs, UsageError, type OptionTable } from './args.js';
import { fetchStats, fmtCount, table } from './stats-source.js';
import { TARGET_OPTIONS, targetOf } from './target.js';

const OPTIONS: OptionTable = {
  ...TARGET_OPTIONS,
  json: { kind: 'flag', help: 'one JSON document instead of text' },
};

export const DESCRIBE_HELP = helpText(
  'riffle describe <stream> [options]',
  "One stream: its summary, every shard (open and closed, hash ranges, parents: the lineage resharding leaves), its consumers and, from Riffle, each shard's counts.",
  OPTIONS,
);

export async function describeCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, 1);
  if (p.help) return void process.stdout.write(DESCRIBE_HELP);
  const name = p.positional[0];
  if (name === undefined) throw new UsageError('name the stream: riffle describe <stream>');
  const target = targetOf(p);
  try {
    const summary = (await target.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const page = await target.kinesis.send(new ListShardsCommand(token === undefined ? { StreamName: name } : { NextToken: token }));
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token !== undefined);
    const consumers: Consumer[] = [];
    token = undefined;
    do {
      const page: { Consumers?: Consumer[]; NextToken?: string } = await target.kinesis.send(new ListStreamConsumersCommand({ StreamARN: summary.StreamARN, ...(token === undefined ? {} : { NextToken: token }) }));
      consumers.push(...(page.Consumers ?? []));
      token = page.NextToken;
    } while (token !== undefined);
    const stats = (await fetchStats(target))?.streams.find((s) => s.name === name);
    const counts = new Map((stats?.shards ?? []).map((s) => [s.shardId, s]));

    if (flag(p, 'json')) {
      const out = { summary, shards: shards.map((s) => ({ ...s, counts: counts.get(s.ShardId ?? '') ?? null })), consumers };
      return void process.stdout.write(`${JSON.stringify(out)}\n`);
    }
    const lines = [
      `stream     ${summary.StreamName}`,
      `arn        ${summary.StreamARN}`,
      `status     ${summary.StreamStatus}  mode ${summary.StreamModeDetails?.StreamMode ?? 'PROVISIONED'}  retention ${summary.RetentionPeriodHours} h`,
      `shards     ${summary.OpenShardCount} open, ${shards.length} listed`,
      `monitoring ${summary.EnhancedMonitoring?.[0]?.ShardLevelMetrics?.join(', ') || 'none (stream-level metrics only)'}`,
      `encryption ${summary.EncryptionType ?? 'NONE'}`,
      '',
      table([
        ['SHARD', 'STATE', 'STARTING HASH KEY', 'ENDING HASH KEY', 'PARENTS', 'RECORDS IN', 'THROTTLED'],
        ...shards.map((s) => {
          const c = counts.get(s.ShardId ?? '');
          const closed = s.SequenceNumberRange?.EndingSequenceNumber !== undefined;
          return [
            s.ShardId ?? '',
            closed ? 'closed' : 'open',
            s.HashKeyRange?.StartingHashKey ?? '',
            s.HashKeyRange?.EndingHashKey ?? '',
            [s.ParentShardId, s.AdjacentParentShardId].filter((x) => x !== undefined).join(' + ') || '–',
            c === undefined ? '–' : fmtCount(c.incomingRecords),
            c === undefined ? '–' : fmtCount(c.writeThrottled + c.readThrottled),
          ];
        }),
      ]),
      '',
      consumers.length === 0 ? 'no consumers' : table([['CONSUMER', 'STATUS', 'CREATED'], ...consumers.map((c) => [c.ConsumerName ?? '', c.ConsumerStatus ?? '', c.ConsumerCreationTimestamp?.toISOString() ?? ''])]),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    target.kinesis.destroy();
  }
}
