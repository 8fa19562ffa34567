import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

interface Phase {
  name: string;
  requests: number;
  crashes: number;
  normalClientHangs: number;
  status5xx: { total: number; attackers: number; normalClient: number };
  budget503: { attackers: number; normalClient: number };
  normalClient: { all: { calls: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null; putRecord: { calls: number }; getRecords: { calls: number } } };
  rss: { beforeMB: number; peakMB: number; afterMB: number };
  targets: Record<string, boolean | null>;
  details: Record<string, unknown>;
}

// The hostile benchmark runs at a tiny size in every test run, so it never rots: every phase runs
// against the real server, the report has its shape, and nothing crashed the server.
it('bench/hostile.mjs runs every phase against the real server and reports them, with no crash', async () => {
  const out = join(tmpdir(), `riffle-hostile-${process.pid}.json`);
  const { stdout } = await run(
    process.execPath,
    ['bench/hostile.mjs', '--seconds', '1', '--slow-seconds', '1.5', '--settle-seconds', '0.5', '--idle-max', '200', '--concurrency', '4', '--bodies-bytes', String(16 * 1024 * 1024), '--fd-limit', '256', '--out', out],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const report = JSON.parse(readFileSync(out, 'utf8')) as { phases: Phase[]; totals: { crashes: number; requests: number }; findings: unknown[] };
  expect(JSON.parse(stdout.trim())).toEqual(report);
  expect(report.phases.map((p) => p.name)).toEqual(['baseline', 'http-fuzz', 'ws-fuzz', 'h2-abuse', 'slow-idle', 'body-flood', 'fd-exhaustion']);
  for (const p of report.phases) {
    expect(p.crashes, p.name).toBe(0);
    expect(p.targets.noCrash, p.name).toBe(true);
    expect(p.normalClient.all.calls, p.name).toBeGreaterThan(0);
    expect(p.normalClient.all.p99Ms, p.name).toEqual(expect.any(Number));
    expect(p.rss.beforeMB, p.name).toBeGreaterThan(0);
    expect(p.rss.peakMB, p.name).toBeGreaterThanOrEqual(p.rss.beforeMB);
    expect(p.rss.afterMB, p.name).toBeGreaterThan(0);
    expect(p.status5xx.total, p.name).toBe(p.status5xx.attackers + p.status5xx.normalClient);
  }
  expect(report.totals.crashes).toBe(0);
  // Each attack tried something.
  for (const p of report.phases.slice(1)) expect(p.requests, p.name).toBeGreaterThan(0);
  // The body flood passes the (small) budget: the server refused some bodies with its 503.
  const flood = report.phases.find((p) => p.name === 'body-flood') as Phase;
  expect(flood.budget503.attackers).toBeGreaterThan(0);
  // Descriptor exhaustion reports how long each kind of write took to come back (or that it did not).
  const fd = report.phases.find((p) => p.name === 'fd-exhaustion') as Phase;
  expect(Object.keys(fd.details.writesWorkingAgainMs as object).sort()).toEqual(['freshAwsPort', 'freshStreamPort', 'keptConnection', 'newStream']);
}, 90_000);
