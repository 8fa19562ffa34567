import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from './harness.js';

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
      stderr: 'riffle bench: unknown option --speed (options: --seconds, --concurrency, --batch, --bytes, --shards, --out)\n',
    });
    expect(await exit(['bench', '--seconds', 'zero'])).toEqual({ code: 2, stderr: "riffle bench: --seconds needs a positive number, got 'zero'\n" });
  });

  it('prints usage for --help', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'serve', '--help']);
    for (const flag of ['--port', '--stream-port', '--host', '--in-memory', '--no-throttle', '--create-stream-ms', '--delete-stream-ms', '--update-stream-ms', '--workers', '--region', '--account-id', '--shard-limit', '--write-bytes-per-sec', '--write-records-per-sec', '--read-bytes-per-sec', '--read-calls-per-sec']) {
      expect(stdout).toContain(flag);
    }
  });
});
