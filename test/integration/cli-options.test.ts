import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, startServer } from './harness.js';

const run = promisify(execFile);

async function exit(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 10_000 });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

describe('riffle serve options', () => {
  it('rejects unknown and invalid options with a message naming the option and exit code 2', async () => {
    expect(await exit(['serve', '--bogus'])).toEqual({ code: 2, stderr: 'riffle: unknown option --bogus (try --help)\n' });
    expect(await exit(['serve', '--port', '70000'])).toEqual({ code: 2, stderr: "riffle: --port: expected a whole number from 0 to 65535, got '70000'\n" });
    expect(await exit(['serve', '--workers', '0'])).toEqual({ code: 2, stderr: "riffle: --workers: expected a whole number from 1 to 64, got '0'\n" });
    expect(await exit(['serve', '--account-id', '123'])).toEqual({ code: 2, stderr: "riffle: --account-id: expected 12 digits, got '123'\n" });
    expect(await exit(['serve', '--create-stream-ms'])).toEqual({ code: 2, stderr: 'riffle: --create-stream-ms needs a value\n' });
    expect(await exit(['serve'], { RIFFLE_REGION: 'mars' })).toEqual({ code: 2, stderr: "riffle: --region: expected a region name like us-east-1, got 'mars'\n" });
    expect(await exit(['serve', '--write-bytes-per-sec', 'fast'])).toEqual({
      code: 2,
      stderr: "riffle: --write-bytes-per-sec: expected a whole number from 1 to 1000000000, got 'fast'\n",
    });
    expect(await exit(['launch'])).toEqual({ code: 2, stderr: "riffle: unknown command 'launch' (commands: serve, bench)\n" });
    expect(await exit(['bench', '--speed', '9'])).toEqual({
      code: 2,
      stderr: 'riffle bench: unknown option --speed (options: --seconds, --concurrency, --batch, --bytes, --shards, --out, --only)\n',
    });
    expect(await exit(['bench', '--seconds', 'zero'])).toEqual({ code: 2, stderr: "riffle bench: --seconds needs a positive number, got 'zero'\n" });
    expect(await exit(['serve', '--fsync', 'sometimes'])).toEqual({ code: 2, stderr: "riffle: --fsync: expected always, group or never, got 'sometimes'\n" });
    expect(await exit(['serve', '--segment-bytes', '10'])).toEqual({ code: 2, stderr: "riffle: --segment-bytes: expected a whole number from 4096 to 1073741824, got '10'\n" });
    expect(await exit(['serve', '--segment-ms', '999'])).toEqual({ code: 2, stderr: "riffle: --segment-ms: expected a whole number from 1000 to 604800000, got '999'\n" });
    expect(await exit(['serve', '--hot-bytes', '1MiB'])).toEqual({ code: 2, stderr: "riffle: --hot-bytes: expected a whole number from 4096 to 1073741824, got '1MiB'\n" });
  });

  it('refuses a data directory that is missing, a file, or not writable, with exit code 2', async () => {
    const base = mkdtempSync(join(tmpdir(), 'riffle-datadir-'));
    try {
      const missing = join(base, 'nope');
      expect(await exit(['serve', '--data-dir', missing])).toEqual({
        code: 2,
        stderr: `riffle: data directory ${missing} does not exist (create it first, or leave --data-dir out to use ./riffle-data)\n`,
      });
      const file = join(base, 'file');
      writeFileSync(file, 'not a directory');
      expect(await exit(['serve', '--data-dir', file])).toEqual({ code: 2, stderr: `riffle: data directory ${file} is not a directory\n` });
      // /proc is a real read-only place even for root, for whom permission bits do not stop writes.
      const readOnly = await exit(['serve', '--data-dir', '/proc/self']);
      expect(readOnly.code).toBe(2);
      expect(readOnly.stderr).toMatch(/^riffle: data directory \/proc\/self is not writable \(E[A-Z]+\)\n$/);
      const badManifest = join(base, 'bad');
      mkdirSync(badManifest);
      writeFileSync(join(badManifest, 'manifest.json'), '{"version": 1, "streams": [');
      const bad = await exit(['serve', '--data-dir', badManifest]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^riffle: .*manifest\.json cannot be read/);
      // One server per data directory: a second is refused while the first runs, not after.
      const shared = join(base, 'shared');
      mkdirSync(shared);
      const first = await startServer(['--data-dir', shared]);
      try {
        expect(await exit(['serve', '--data-dir', shared])).toEqual({ code: 2, stderr: `riffle: data directory ${shared} is in use by process ${first.child.pid} (its ${join(shared, 'LOCK')})\n` });
      } finally {
        await first.stop();
      }
      const second = await startServer(['--data-dir', shared]);
      await second.stop();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('prints usage for --help', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'serve', '--help']);
    for (const flag of ['--port', '--stream-port', '--host', '--in-memory', '--data-dir', '--fsync', '--segment-bytes', '--segment-ms', '--hot-bytes', '--no-throttle', '--create-stream-ms', '--delete-stream-ms', '--update-stream-ms', '--workers', '--region', '--account-id', '--shard-limit', '--consumer-limit', '--push-bytes-per-sec', '--subscription-ms', '--write-bytes-per-sec', '--write-records-per-sec', '--read-bytes-per-sec', '--read-calls-per-sec']) {
      expect(stdout).toContain(flag);
    }
  });
});
