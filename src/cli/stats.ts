import type { DashboardFrame } from '../observe/dashboard-data.js';
import { flag, helpText, num, parseArgs, type OptionTable } from './args.js';
import { fetchStats, fmtBytes, fmtCount, perSecond, table } from './stats-source.js';
import { TARGET_OPTIONS, targetOf } from './target.js';

const OPTIONS: OptionTable = {
  ...TARGET_OPTIONS,
  interval: { kind: 'number', min: 100, max: 60_000, help: 'ms between refreshes (default 1000)' },
  once: { kind: 'flag', help: 'print one view (rates over one interval) and exit' },
  json: { kind: 'flag', help: 'with --once: the view as JSON' },
  shards: { kind: 'number', min: 0, max: 10_000, help: 'busiest shards shown per stream (default 5)' },
};

export const STATS_HELP = helpText(
  'riffle stats [options]',
  "A live view of a Riffle server in the terminal, top-like: per stream and per busiest shard the records and bytes in per second, throttling, iterator age; consumers' lag; delivery streams' buffers and deliveries; the shard owners. It reads Riffle's GET /stats (AWS has none: use CloudWatch there).",
  OPTIONS,
);

export interface StatsView {
  atMs: number;
  uptimeSeconds: number;
  rssBytes: number;
  owners: { total: number; serving: number };
  streams: Array<{
    name: string;
    status: string;
    mode: string;
    openShards: number;
    recordsPerSec: number;
    bytesPerSec: number;
    throttledPerSec: number;
    shards: Array<{ shardId: string; recordsPerSec: number; bytesPerSec: number; outRecordsPerSec: number; throttledPerSec: number; iteratorAgeMs: number }>;
    consumers: Array<{ name: string; lagMs: number | null }>;
  }>;
  deliveryStreams: Array<{ name: string; status: string; recordsPerSec: number; bufferFill: number; deliveredRecords: number; dataFreshnessSeconds: number }>;
}

export function viewOf(a: DashboardFrame, b: DashboardFrame, busiest: number): StatsView {
  const s = Math.max(0.001, (b.nowMs - a.nowMs) / 1000);
  const before = new Map(a.streams.map((x) => [x.name, x]));
  return {
    atMs: b.nowMs,
    uptimeSeconds: b.process.uptimeSeconds,
    rssBytes: b.process.rssBytes,
    owners: { total: b.owners.length, serving: b.owners.filter((o) => o.up && !o.holding).length },
    streams: b.streams.map((x) => {
      const o = before.get(x.name);
      const oldShards = new Map((o?.shards ?? []).map((sh) => [sh.shardId, sh]));
      const shards = x.shards
        .map((sh) => {
          const p = oldShards.get(sh.shardId);
          return {
            shardId: sh.shardId,
            recordsPerSec: perSecond(sh.incomingRecords, p?.incomingRecords, s),
            bytesPerSec: perSecond(sh.incomingBytes, p?.incomingBytes, s),
            outRecordsPerSec: perSecond(sh.outgoingRecords, p?.outgoingRecords, s),
            throttledPerSec: perSecond(sh.writeThrottled + sh.readThrottled, p === undefined ? undefined : p.writeThrottled + p.readThrottled, s),
            iteratorAgeMs: sh.iteratorAgeMs,
          };
        })
        .sort((m, n) => n.recordsPerSec + n.outRecordsPerSec - (m.recordsPerSec + m.outRecordsPerSec))
        .slice(0, busiest);
      return {
        name: x.name,
        status: x.status,
        mode: x.mode,
        openShards: x.shards.filter((sh) => sh.open).length,
        recordsPerSec: perSecond(x.incomingRecords, o?.incomingRecords, s),
        bytesPerSec: perSecond(x.incomingBytes, o?.incomingBytes, s),
        throttledPerSec: perSecond(x.writeThrottled + x.readThrottled, o === undefined ? undefined : o.writeThrottled + o.readThrottled, s),
        shards,
        consumers: x.consumers.map((c) => ({ name: c.name, lagMs: c.sessions.length === 0 ? null : Math.max(...c.sessions.map((q) => q.millisBehindLatest)) })),
      };
    }),
    deliveryStreams: b.deliveryStreams.map((d) => {
      const o = a.deliveryStreams.find((x) => x.name === d.name);
      return {
        name: d.name,
        status: d.status,
        recordsPerSec: perSecond(d.incomingRecords, o?.incomingRecords, s),
        bufferFill: d.bufferBytes > 0 ? d.bufferedBytes / d.bufferBytes : 0,
        deliveredRecords: d.deliveredRecords,
        dataFreshnessSeconds: d.dataFreshnessSeconds,
      };
    }),
  };
}

function renderView(v: StatsView): string {
  const lines = [`riffle stats  ${new Date(v.atMs).toISOString()}  up ${Math.round(v.uptimeSeconds)} s  RSS ${fmtBytes(v.rssBytes)}  owners ${v.owners.serving}/${v.owners.total} serving`, ''];
  if (v.streams.length === 0) lines.push('no streams');
  else {
    const rows = [['STREAM / SHARD', 'STATUS', 'SHARDS', 'REC/S IN', 'BYTES/S IN', 'REC/S OUT', 'THROTTLED/S', 'ITERATOR AGE / LAG']];
    for (const s of v.streams) {
      rows.push([s.name, s.status, String(s.openShards), fmtCount(s.recordsPerSec), `${fmtBytes(s.bytesPerSec)}/s`, '', fmtCount(s.throttledPerSec), '']);
      for (const sh of s.shards) rows.push([`  ${sh.shardId}`, '', '', fmtCount(sh.recordsPerSec), `${fmtBytes(sh.bytesPerSec)}/s`, fmtCount(sh.outRecordsPerSec), fmtCount(sh.throttledPerSec), `${sh.iteratorAgeMs} ms`]);
      for (const c of s.consumers) rows.push([`  consumer ${c.name}`, '', '', '', '', '', '', c.lagMs === null ? 'not subscribed' : `${c.lagMs} ms behind`]);
    }
    lines.push(table(rows));
  }
  if (v.deliveryStreams.length > 0) {
    lines.push('', table([['DELIVERY STREAM', 'STATUS', 'REC/S IN', 'BUFFER', 'DELIVERED', 'FRESHNESS'], ...v.deliveryStreams.map((d) => [d.name, d.status, fmtCount(d.recordsPerSec), `${Math.round(d.bufferFill * 100)}%`, fmtCount(d.deliveredRecords), `${d.dataFreshnessSeconds.toFixed(1)} s`])]));
  }
  return `${lines.join('\n')}\n`;
}

export async function statsCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, 0);
  if (p.help) return void process.stdout.write(STATS_HELP);
  const target = targetOf(p);
  target.kinesis.destroy(); // only /stats is read
  const interval = num(p, 'interval', 1000);
  const busiest = num(p, 'shards', 5);
  let previous = await fetchStats(target);
  if (previous === null) {
    process.stderr.write(`riffle stats: ${target.endpoint ?? 'AWS'} serves no /stats (it reads Riffle's counters; on AWS, CloudWatch has them)\n`);
    process.exitCode = 1;
    return;
  }
  let stopping = false;
  const stop = (): void => void (stopping = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopping) {
      await new Promise((r) => setTimeout(r, interval));
      const next = await fetchStats(target);
      if (next === null) {
        process.stderr.write('riffle stats: the server stopped answering\n');
        process.exitCode = 1;
        return;
      }
      const view = viewOf(previous, next, busiest);
      previous = next;
      if (flag(p, 'once')) {
        process.stdout.write(flag(p, 'json') ? `${JSON.stringify(view)}\n` : renderView(view));
        return;
      }
      process.stdout.write(process.stdout.isTTY ? `\x1b[H\x1b[2J${renderView(view)}` : `${renderView(view)}\n`);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
