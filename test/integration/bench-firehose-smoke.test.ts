import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

interface Row {
  feed: string;
  target: string;
  format: string | null;
  client: string;
  phase: string;
  accepted: number;
  failed: number;
  errors: number;
  megabytesPerSec: number;
  everyRecordDelivered?: boolean;
  missing?: number;
  malformed?: number;
  duplicates?: number;
  objects?: number;
  putToObjectP99Ms?: number | null;
  deliveredInWindowMBps?: number;
  ratioVsKinesis?: number;
  cpu: { threads: { main: number; owner: number; pool: number }; cores: { total: number } };
  skipped?: string;
}

// The Firehose benchmark runs at a tiny size in every test run, so it never rots: both feeds and the
// codec phase with GZIP (which goes through the compression pool), every record found again in the
// delivered objects, the server's CPU split by thread.
it('bench/firehose/run.mjs runs both feeds and the codec phase, and every accepted record reaches an object', async () => {
  const out = join(tmpdir(), `riffle-bench-firehose-${process.pid}.json`);
  try {
    await run(process.execPath, ['bench/firehose/run.mjs', '--seconds', '0.3', '--codecs', 'GZIP', '--clients', 'raw', '--codec-mb', '1', '--out', out], { timeout: 90_000 });
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      runs: Array<{ rows: Row[]; codec: { rows?: Array<{ format: string; megabytesPerSec: number; ratio: number }>; skipped?: string } }>;
      summary: { targets: Array<{ what: string; met: boolean }> };
    };
    const [first] = report.runs;
    expect(first).toBeDefined();
    const { rows, codec } = first!;
    expect(codec.skipped).toBeUndefined();
    expect(codec.rows?.map((r) => r.format)).toEqual(['GZIP']);
    expect(codec.rows?.[0]?.megabytesPerSec).toBeGreaterThan(0);
    expect(codec.rows?.[0]?.ratio).toBeGreaterThan(1);
    expect(rows.map((r) => [r.feed, r.target, r.format, r.phase])).toEqual([
      ['a', 'kinesis', null, 'saturated'],
      ['a', 'firehose', 'GZIP', 'saturated'],
      ['a', 'firehose', 'GZIP', 'paced'],
      ['b', 'kinesis-source', 'GZIP', 'saturated'],
    ]);
    for (const r of rows) {
      expect(r.errors).toBe(0);
      expect(r.failed).toBe(0);
      expect(r.accepted).toBeGreaterThan(0);
      expect(r.megabytesPerSec).toBeGreaterThan(0);
      expect(r.cpu.threads.main).toBe(1);
      expect(r.cpu.threads.owner).toBeGreaterThanOrEqual(1);
      if (r.target === 'kinesis') continue;
      expect(r).toMatchObject({ everyRecordDelivered: true, missing: 0, malformed: 0, duplicates: 0 });
      expect(r.objects).toBeGreaterThan(0);
      expect(r.putToObjectP99Ms).toBeGreaterThan(0);
      // GZIP went through the compression pool, which threads.cjs told apart from the shard owners.
      expect(r.cpu.threads.pool).toBeGreaterThanOrEqual(1);
    }
    expect(rows[1]?.ratioVsKinesis).toBeGreaterThan(0);
    expect(report.summary.targets.length).toBeGreaterThan(0);
  } finally {
    rmSync(out, { force: true });
  }
}, 120_000);
