import type { DashboardFrame } from '../observe/dashboard-data.js';
import type { Target } from './target.js';

/**
 * Riffle's counters (GET /stats on the AWS port: the dashboard's frame), for the commands that
 * show rates. null when the endpoint has none (AWS itself, or an older Riffle): the commands then
 * show what the Kinesis API says and no rates.
 */
export async function fetchStats(target: Target): Promise<DashboardFrame | null> {
  if (target.endpoint === undefined) return null;
  try {
    const res = await fetch(`${target.endpoint}/stats`, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').startsWith('application/json')) return null;
    const frame = (await res.json()) as DashboardFrame;
    return Array.isArray(frame.streams) ? frame : null;
  } catch {
    return null;
  }
}

/** Per second between two frames of the same counter (0 for the first frame or a counter that went back). */
export function perSecond(now: number, before: number | undefined, seconds: number): number {
  if (before === undefined || seconds <= 0 || now < before) return 0;
  return (now - before) / seconds;
}

export function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? Math.round(n) : n.toFixed(1)} ${units[u]}`;
}

/** Rows as aligned columns (the first row is the header). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}
