import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, Riffle, type RiffleOptions } from 'riffle';
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
    expect(await exit(['launch'])).toEqual({ code: 2, stderr: "riffle: unknown command 'launch' (commands: serve, streams, describe, put, tail, load, stats, bench, help, version; riffle help for usage)\n" });
    expect(await exit(['serve', '--constructor', '1'])).toEqual({ code: 2, stderr: 'riffle: unknown option --constructor (try --help)\n' });
    expect(await exit(['bench', '--speed', '9'])).toEqual({
      code: 2,
      stderr: 'riffle bench: unknown option --speed (options: --seconds, --concurrency, --batch, --bytes, --shards, --keys, --target, --stream-target, --out, --only, --open; --help explains them)\n',
    });
    expect(await exit(['bench', '--out'])).toEqual({ code: 2, stderr: 'riffle bench: --out needs a value\n' });
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

  it('prints the version for --version and version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const args of [['--version'], ['version']]) {
      expect(await run(process.execPath, [CLI, ...args])).toEqual({ stdout: `riffle ${version}\n`, stderr: '' });
    }
  });

  it('prints usage for help, --help and -h: the commands, that a bare riffle serves, then the serve options', async () => {
    const outputs = await Promise.all(['help', '--help', '-h'].map((arg) => run(process.execPath, [CLI, arg])));
    for (const { stdout, stderr } of outputs) {
      expect(stderr).toBe('');
      expect(stdout).toBe(outputs[0]!.stdout);
    }
    const usage = outputs[0]!.stdout;
    expect(usage).toMatch(/^usage: riffle \[command\] \[options\]\n/);
    expect(usage).toContain('a bare riffle, with no command, serves');
    for (const command of ['serve', 'bench', 'help', 'version']) expect(usage).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(usage.indexOf('serve options')).toBeGreaterThan(usage.indexOf('version'));
    expect(usage).toContain('--stream-port <value>');
    // riffle serve --help prints the same usage, serve options included.
    expect((await run(process.execPath, [CLI, 'serve', '--help'])).stdout).toBe(usage);
  });

  it('prints the benchmarks own options for riffle bench --help (and node bench/fanout.mjs --help), starting nothing', async () => {
    const started = Date.now();
    for (const args of [['bench', '--help'], ['bench', '-h'], ['help', 'bench']]) {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 10_000 });
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^usage: riffle bench \[options\]/);
      for (const flag of ['--seconds <n>', '--concurrency <n>', '--batch <n>', '--bytes <n>', '--shards <n>', '--out <file>', '--only <text>']) expect(stdout).toContain(flag);
      expect(stdout).toContain('[5]'); // --seconds' default
      expect(stdout).not.toContain('records/s\n'); // no scenario ran
    }
    for (const args of [['bench', 'reshard', '--help'], ['help', 'bench', 'reshard']]) {
      const { stdout } = await run(process.execPath, [CLI, ...args], { timeout: 10_000 });
      expect(stdout).toMatch(/^usage: riffle bench reshard \[options\]/);
      for (const flag of ['--seconds <n>', '--runs <n>', '--shards <n>', '--concurrency <n>', '--batch <n>', '--bytes <n>', '--out <file>']) expect(stdout).toContain(flag);
    }
    const fanout = fileURLToPath(new URL('../../bench/fanout.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, [fanout, '--help'], { timeout: 10_000 });
    for (const flag of ['--seconds <n>', '--consumers <n>', '--shards <n>', '--bytes <n>', '--batch <n>', '--rate <n>', '--out <file>']) expect(stdout).toContain(flag);
    // A benchmark run starts servers and takes seconds; help takes well under that.
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('prints usage for --help', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'serve', '--help']);
    for (const flag of ['--port', '--stream-port', '--host', '--in-memory', '--data-dir', '--fsync', '--segment-bytes', '--segment-ms', '--hot-bytes', '--no-throttle', '--create-stream-ms', '--delete-stream-ms', '--update-stream-ms', '--workers', '--region', '--account-id', '--shard-limit', '--consumer-limit', '--push-bytes-per-sec', '--subscription-ms', '--write-bytes-per-sec', '--write-records-per-sec', '--read-bytes-per-sec', '--read-calls-per-sec']) {
      expect(stdout).toContain(flag);
    }
  });
});

describe('Riffle.start options (the embedded API, as built: dist/ via the package name)', () => {
  it('refuses a value out of range and an unknown name with ConfigError, before anything starts', async () => {
    const workers = await Riffle.start({ workers: 0 }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(workers).toBeInstanceOf(ConfigError);
    expect(workers).toMatchObject({ option: 'workers', message: 'Riffle.start: workers (--workers) must be a whole number from 1 to 64, got 0' });

    const misspelt = await Riffle.start({ trottle: false } as unknown as RiffleOptions).then(
      () => null,
      (err: unknown) => err,
    );
    expect(misspelt).toBeInstanceOf(ConfigError);
    expect((misspelt as ConfigError).option).toBe('trottle');
    expect((misspelt as ConfigError).message).toMatch(/^Riffle\.start: unknown option trottle \(did you mean throttle\?\); .*README\.md's Options/);

    await expect(Riffle.start({ limits: { readCallsPerSecond: 10 } } as unknown as RiffleOptions)).rejects.toMatchObject({ name: 'ConfigError', option: 'limits.readCallsPerSecond' });
    await expect(Riffle.start({ dataDir: '' })).rejects.toThrow("Riffle.start: dataDir (--data-dir) must be a non-empty string or null, got ''");
  });

  it('starts with good options as before: defaults kept, limits merged, data in memory', async () => {
    const riffle = await Riffle.start({ workers: 1, throttle: false, port: undefined, limits: { readCallsPerSec: 10 } });
    try {
      expect(riffle.config).toMatchObject({ workers: 1, throttle: false, port: 4567, dataDir: null, inMemory: false, fsync: 'group' });
      expect(riffle.config.limits).toEqual({ writeBytesPerSec: 1024 * 1024, writeRecordsPerSec: 1000, readBytesPerSec: 2 * 1024 * 1024, readCallsPerSec: 10 });
      await riffle.kinesis.createStream({ StreamName: 'options', ShardCount: 1 });
      const put = await riffle.kinesis.putRecord({ StreamName: 'options', PartitionKey: 'k', Data: Buffer.from('x') });
      expect(put.ShardId).toBe('shardId-000000000000');
    } finally {
      await riffle.close();
    }
  });
});
