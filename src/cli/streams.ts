import { DescribeStreamSummaryCommand, ListStreamsCommand, type StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import { flag, helpText, num, parseArgs, type OptionTable } from './args.js';
import { fetchStats, fmtBytes, fmtCount, perSecond, table } from './stats-source.js';
import { TARGET_OPTIONS, targetOf } from './target.js';

const OPTIONS: OptionTable = {
  ...TARGET_OPTIONS,
  json: { kind: 'flag', help: 'one JSON document instead of a table' },
  'rate-ms': { kind: 'number', min: 0, max: 60_000, help: 'how long to watch for the rates, ms (default 1000; 0: no rates)' },
};

export const STREAMS_HELP = helpText('riffle streams [options]', 'Lists the streams: status, mode, open shards, consumers and, from Riffle, the rates in (records/s, bytes/s) and throttled/s.', OPTIONS);

interface StreamRow {
  name: string;
  status: string;
  mode: string;
  openShards: number;
  consumers: number;
  retentionHours: number;
  /** null: the endpoint has no counters (AWS). */
  recordsPerSec: number | null;
  bytesPerSec: number | null;
  throttledPerSec: number | null;
}

export async function streamsCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, 0);
  if (p.help) return void process.stdout.write(STREAMS_HELP);
  const target = targetOf(p);
  try {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await target.kinesis.send(new ListStreamsCommand(token === undefined ? {} : { NextToken: token }));
      names.push(...(page.StreamNames ?? []));
      token = page.HasMoreStreams === true ? page.NextToken : undefined;
    } while (token !== undefined);
    const rateMs = num(p, 'rate-ms', 1000);
    const startedMs = Date.now();
    const first = rateMs > 0 ? await fetchStats(target) : null;
    // Four at a time: AWS allows DescribeStreamSummary 20 calls per second per account.
    const summaries: StreamDescriptionSummary[] = new Array(names.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(4, names.length) }, async () => {
        for (let i = next++; i < names.length; i = next++) summaries[i] = (await target.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: names[i] }))).StreamDescriptionSummary as StreamDescriptionSummary;
      }),
    );
    if (first !== null) await new Promise((r) => setTimeout(r, Math.max(0, rateMs - (Date.now() - startedMs))));
    const second = first === null ? null : await fetchStats(target);
    const seconds = first !== null && second !== null ? (second.nowMs - first.nowMs) / 1000 : 0;
    const rows: StreamRow[] = summaries.map((s) => {
      const a = first?.streams.find((x) => x.name === s.StreamName);
      const b = second?.streams.find((x) => x.name === s.StreamName);
      const rated = a !== undefined && b !== undefined && seconds > 0;
      return {
        name: s.StreamName ?? '',
        status: s.StreamStatus ?? '',
        mode: s.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
        openShards: s.OpenShardCount ?? 0,
        consumers: s.ConsumerCount ?? 0,
        retentionHours: s.RetentionPeriodHours ?? 24,
        recordsPerSec: rated ? perSecond(b.incomingRecords, a.incomingRecords, seconds) : null,
        bytesPerSec: rated ? perSecond(b.incomingBytes, a.incomingBytes, seconds) : null,
        throttledPerSec: rated ? perSecond(b.writeThrottled + b.readThrottled, a.writeThrottled + a.readThrottled, seconds) : null,
      };
    });
    if (flag(p, 'json')) return void process.stdout.write(`${JSON.stringify({ streams: rows })}\n`);
    if (rows.length === 0) return void process.stdout.write('no streams\n');
    const dash = (v: number | null, f: (n: number) => string) => (v === null ? '–' : f(v));
    process.stdout.write(
      `${table([
        ['STREAM', 'STATUS', 'MODE', 'SHARDS', 'CONSUMERS', 'RECORDS/S', 'BYTES/S', 'THROTTLED/S'],
        ...rows.map((r) => [r.name, r.status, r.mode, String(r.openShards), String(r.consumers), dash(r.recordsPerSec, fmtCount), dash(r.bytesPerSec, (n) => `${fmtBytes(n)}/s`), dash(r.throttledPerSec, fmtCount)]),
      ])}\n`,
    );
  } finally {
    target.kinesis.destroy();
  }
}
