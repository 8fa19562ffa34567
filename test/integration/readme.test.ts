import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './harness.js';
import { AWS_CLI_V2, needTool, PYTHON_WITH_BOTO3 } from './tools.js';

// The README's walkthrough, run as a reader would run it: every code block of its "Walkthrough"
// section in order, against one real server (the README's ports replaced by the test server's),
// each block's output checked against the `→` lines the README shows for it. The steps chain, so
// a block that stops working, or that no longer follows from the one before, fails here.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Block {
  lang: string;
  code: string;
  /** The outputs the README promises, in order (`# → x` or `// → x` lines). */
  expected: string[];
}

function walkthrough(): Block[] {
  const start = readme.indexOf('\n## Walkthrough');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, code]) => ({
    lang: lang as string,
    code: code as string,
    expected: [...(code as string).matchAll(/^\s*(?:#|\/\/) → (.*)$/gm)].map((m) => (m[1] as string).trim()),
  }));
}

const aws = await needTool(AWS_CLI_V2, { tests: 'the README walkthrough' });
const python = await needTool(PYTHON_WITH_BOTO3, { tests: 'the README walkthrough' });

describe.runIf(aws !== undefined && python !== undefined)('README walkthrough', () => {
  let server: RunningServer;
  let scratch: string;
  beforeAll(async () => {
    mkdirSync(join(root, '.scratch'), { recursive: true });
    // Inside the repository, so `import ... from 'riffle'` and the SDK resolve as for a user of the package.
    scratch = mkdtempSync(join(root, '.scratch', 'readme-'));
    // Durable, as `npm start` serves (in a data directory of its own here).
    mkdirSync(join(scratch, 'data'));
    server = await startServer(['--data-dir', join(scratch, 'data')]);
    // `aws` on PATH is the CLI v2 found (another aws, e.g. pip's v1, may come first on PATH).
    mkdirSync(join(scratch, 'bin'));
    symlinkSync((aws as { command: string }).command.startsWith('/') ? (aws as { command: string }).command : (await run('sh', ['-c', `command -v ${aws?.command}`])).stdout.trim(), join(scratch, 'bin', 'aws'));
  });
  afterAll(async () => {
    await server?.stop();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs every step as written, each giving the output the README shows', async () => {
    const blocks = walkthrough();
    expect(blocks.map((b) => b.lang)).toEqual(['sh', 'js', 'python', 'js', 'js', 'js', 'js', 'sh', 'sh', 'sh']);
    for (const [i, block] of blocks.entries()) {
      const code = block.code
        .replaceAll('127.0.0.1:4567', `127.0.0.1:${server.port}`)
        .replaceAll('127.0.0.1:4568', `127.0.0.1:${server.streamPort}`)
        // The embedded example's own ports (not npm start's): any free ones here.
        .replace('port: 4577, streamPort: 4578', 'port: 0, streamPort: 0');
      if (block.code.includes('Riffle.start(')) expect(block.code).toContain('port: 4577, streamPort: 4578');
      const env = { ...process.env, PATH: `${join(scratch, 'bin')}:${process.env.PATH ?? ''}`, AWS_PAGER: '' };
      let stdout: string;
      if (block.lang === 'sh') {
        ({ stdout } = await run('bash', ['-euo', 'pipefail', '-c', code], { env, timeout: 60_000 }));
      } else if (block.lang === 'js') {
        const file = join(scratch, `step-${i}.mjs`);
        writeFileSync(file, code);
        ({ stdout } = await run(process.execPath, [file], { env, timeout: 60_000 }));
      } else {
        ({ stdout } = await run((python as { command: string }).command, ['-c', code], { env, timeout: 60_000 }));
      }
      const lines = stdout.split('\n').map((l) => l.trim());
      let from = 0;
      for (const want of block.expected) {
        const at = lines.indexOf(want, from);
        expect(at, `step ${i + 1} (${block.lang}) printed:\n${stdout}\nexpected the line: ${want}`).toBeGreaterThanOrEqual(0);
        from = at + 1;
      }
      expect(block.expected.length, `step ${i + 1} shows no output to check`).toBeGreaterThan(0);
    }
    expect(server.alive()).toBe(true);
  }, 120_000);
});
