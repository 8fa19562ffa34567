import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDistImports, checkStructure } from '../../../scripts/check-structure.mjs';

const script = fileURLToPath(new URL('../../../scripts/check-structure.mjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes files (src-relative path → lines) under a fresh <tmp>/src and returns that src directory. */
function tree(files: Record<string, string[] | string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riffle-structure-'));
  dirs.push(dir);
  const src = path.join(dir, 'src');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    fs.writeFileSync(path.join(src, rel), Array.isArray(text) ? `${text.join('\n')}\n` : text);
  }
  return src;
}
const violations = (files: Record<string, string[] | string>, options?: Parameters<typeof checkStructure>[1]): string[] =>
  checkStructure(tree(files), options).violations;
const lines = (n: number): string[] => Array.from({ length: n }, (_, i) => `export const x${i} = ${i};`);

/** One file in every layer, importing down in every syntax the checker must read, with decoys it must not. */
const clean: Record<string, string[]> = {
  'index.ts': [
    "export { Riffle } from './internal.js';",
    "export type * from './kinesis/service.js';",
    "export * as client from './client/producer.js';",
  ],
  'internal.ts': [
    "import { serve } from './server/http.js';",
    "import { Producer } from './client/producer.js';",
    'export class Riffle {}',
    'export { serve, Producer };',
  ],
  'cli/main.ts': [
    '#!/usr/bin/env node',
    "import { Riffle } from '../index.js';",
    "const bench = new URL('../../bench/put-records.mjs', import.meta.url); // a reference, not an import",
    "export const main = async () => (await import('../internal.js')).Riffle ?? bench;",
  ],
  'server/http.ts': [
    'import {',
    '  KinesisService,',
    '  type Operation,',
    "} from '../kinesis/service.js';",
    "import type { FirehoseService } from '../firehose/service.js';",
    "import '../aws/errors.js';",
    'export const serve = (k: KinesisService, f?: FirehoseService, o?: Operation) => [k, f, o];',
  ],
  'kinesis/service.ts': [
    "import { putRecord } from './operations/put-record.js';",
    "import { AwsError } from '../aws/errors.js';",
    "import { Hub } from '../fanout/hub.js';",
    'export type Operation = string;',
    'export class KinesisService { op = putRecord; e = AwsError; h = Hub; }',
  ],
  'kinesis/shared.ts': ["export const shared = 1;"],
  'kinesis/operations/put-record.ts': [
    "import { shared } from '../shared.js';",
    "import type { Engine } from '../../engine/engine.js';",
    'export const putRecord = (e?: Engine) => [shared, e];',
  ],
  'firehose/service.ts': ["import { AwsError } from '../aws/errors.js';", 'export class FirehoseService { e = AwsError; }'],
  'fanout/hub.ts': ["import { Engine } from '../engine/engine.js';", 'export class Hub { e?: Engine; }'],
  'engine/engine.ts': [
    '// import { Hub } from "../fanout/hub.js"; (a comment)',
    '/* export * from "../server/http.js";',
    "   import('../nowhere.js') */",
    "const s = \"import x from '../server/http.js'\";",
    "const t = `import('../server/http.js') ${s + `export * from '../cli/main.js'`} done`;",
    "const r = /'import\\('\\/\"[\"']/g; const d = 4 / 2 / 1;",
    "type Pool = import('../shard/pool.js').Pool;",
    "import { limit } from '../limits.js';",
    'export class Engine { p?: Pool; s = s; t = t; r = r; d = d; l = limit; }',
  ],
  'shard/pool.ts': ["import { FileLog } from '../log/file-log.js';", "import { config } from '../config.js';", 'export class Pool { l?: FileLog; c = config; }'],
  'log/file-log.ts': ["import { ring } from '../ring/byte-ring.js';", "import { crc } from '../native/index.js';", 'export class FileLog { r = ring; c = crc; }'],
  'ring/byte-ring.ts': ["import { limit } from '../limits.js';", 'export const ring = limit;'],
  'native/index.ts': [
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    "export const crc = require('../../native-bindings/build/Release/riffle_native.node');",
  ],
  'aws/errors.ts': ["import { config } from '../config.js';", "export * from './table.js';", 'export class AwsError { c = config; }'],
  'aws/table.ts': ['export const TABLE = {};'],
  'client/producer.ts': ["import { config } from '../config.js';", "import { send } from './transport.js';", 'export class Producer { c = config; s = send; }'],
  'client/transport.ts': ['export const send = 1;'],
  'config.ts': ["import fs from 'node:fs';", 'export const config = fs;'],
  'limits.ts': ['export const limit = 1;'],
};

describe('checkStructure', () => {
  it('finds no violations in a clean tree, and counts every relative import in every syntax', () => {
    const report = checkStructure(tree(clean));
    expect(report.violations).toEqual([]);
    expect(report.files).toBe(Object.keys(clean).length);
    // Counted by hand: the decoys in comments, strings, templates and new URL(...) are not imports.
    expect(report.imports).toBe(28);
  });

  it('reports an import up the layers at the line where the statement starts', () => {
    const v = violations({
      ...clean,
      'engine/records.ts': ["import fs from 'node:fs';", '', 'import {', '  serve,', "} from '../server/http.js';", 'export const r = [fs, serve];'],
    });
    expect(v).toEqual([
      'src/engine/records.ts:3: imports src/server/http.ts: engine/ (layer 4) may not import server/ (layer 1); ' +
        'imports go down: cli/index → server/observe → services → fanout → engine → shard → log → ring/native',
    ]);
  });

  it('reads type-only imports, re-exports and dynamic imports as imports', () => {
    const v = violations({
      ...clean,
      'log/a.ts': ["import type { Pool } from '../shard/pool.js';", 'export type A = Pool;'],
      'log/b.ts': ["export type { Pool } from '../shard/pool.js';"],
      'log/c.ts': ["export * from '../shard/pool.js';"],
      'log/d.ts': ['export const d = () =>', "  import('../shard/pool.js');"],
      'log/e.ts': ["export type E = typeof import('../shard/pool.js');"],
    });
    expect(v).toEqual(
      ['a.ts:1', 'b.ts:1', 'c.ts:1', 'd.ts:2', 'e.ts:1'].map(
        (at) => `src/log/${at}: imports src/shard/pool.ts: log/ (layer 6) may not import shard/ (layer 5); imports go down: cli/index → server/observe → services → fanout → engine → shard → log → ring/native`,
      ),
    );
  });

  it('reports services importing each other', () => {
    const v = violations({ ...clean, 'kinesis/x.ts': ['', '', "import { FirehoseService } from '../firehose/service.js';", 'export const x = FirehoseService;'] });
    expect(v).toEqual(['src/kinesis/x.ts:3: imports src/firehose/service.ts: services never import each other; move what they share into aws/']);
  });

  it('reports folders of the same layer importing each other (ring/ and native/)', () => {
    const v = violations({ ...clean, 'ring/x.ts': ["import { crc } from '../native/index.js';", 'export const x = crc;'] });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/^src\/ring\/x\.ts:1: imports src\/native\/index\.ts: ring\/ and native\/ are both layer 7 and never import each other/);
  });

  it('keeps aws/ and the shared leaves free of the rest of src', () => {
    const v = violations({
      ...clean,
      'aws/x.ts': ["import { Engine } from '../engine/engine.js';", 'export const x = Engine;'],
      'limits.ts': ["import { config } from './config.js';", 'export const limit = config;'],
    });
    expect(v).toEqual([
      'src/aws/x.ts:1: imports src/engine/engine.ts: aws/ may import only config.ts, limits.ts and sigv4-core.ts (it is shared by every service); move what it needs into aws/',
      'src/limits.ts:1: imports src/config.ts: limits.ts is a shared leaf: it imports nothing from src, so every folder can import it',
    ]);
  });

  it('lets client/ and aws/ share sigv4-core.ts, a leaf that imports nothing from src', () => {
    const v = violations({
      ...clean,
      'sigv4-core.ts': ["import { limit } from './limits.js';", 'export const sign = limit;'],
      'client/signer.ts': ["import { sign } from '../sigv4-core.js';", 'export const s = sign;'],
      'aws/verifier.ts': ["import { sign } from '../sigv4-core.js';", 'export const v = sign;'],
    });
    expect(v).toEqual(['src/sigv4-core.ts:1: imports src/limits.ts: sigv4-core.ts is a shared leaf: it imports nothing from src, so every folder can import it']);
  });

  it('keeps log/ and ring/native from aws/', () => {
    const v = violations({ ...clean, 'log/x.ts': ["import { AwsError } from '../aws/errors.js';", 'export const x = AwsError;'] });
    expect(v).toEqual(['src/log/x.ts:1: imports src/aws/errors.ts: log/ (layer 6) may not import aws/: only layers 0-5 (cli/index down to shard) use AWS code']);
  });

  it('keeps client/ on its own: it imports only the leaves and only layer 0 imports it', () => {
    const v = violations({
      ...clean,
      'client/x.ts': ["import { AwsError } from '../aws/errors.js';", 'export const x = AwsError;'],
      'server/y.ts': ["import { Producer } from '../client/producer.js';", 'export const y = Producer;'],
    });
    expect(v).toEqual([
      'src/client/x.ts:1: imports src/aws/errors.ts: client/ may import only config.ts, limits.ts and sigv4-core.ts, so users and benchmarks get it without the server',
      'src/server/y.ts:1: imports src/client/producer.ts: server/ may not import client/: only cli/, index.ts and internal.ts use the clients',
    ]);
  });

  it('reports files outside the layer map', () => {
    const v = violations({ ...clean, 'misc.ts': ['export const m = 1;'], 'foo/bar.ts': ["import { m } from '../misc.js';", 'export const b = m;'] });
    expect(v).toEqual([
      'src/foo/bar.ts: not in the layer map (scripts/check-structure.mjs); put it in a layer or add it to the map',
      'src/misc.ts: not in the layer map (scripts/check-structure.mjs); put it in a layer or add it to the map',
    ]);
  });

  it('reports relative imports that resolve to no file, and accepts .ts and directory specifiers', () => {
    const v = violations({
      ...clean,
      'engine/x.ts': [
        "import { a } from './missing.js';",
        "import { Engine } from './engine.ts';",
        "import { crc } from '../native';",
        "import { b } from '../../outside.js';",
        'export const x = [a, b, Engine, crc];',
      ],
    });
    expect(v).toEqual([
      "src/engine/x.ts:1: imports './missing.js', which does not resolve to a .ts file in src/; fix the path (name the .js the .ts compiles to)",
      "src/engine/x.ts:4: imports '../../outside.js', which does not resolve to a .ts file in src/; fix the path (name the .js the .ts compiles to)",
    ]);
  });

  it('keeps main-thread code (shard/pool/) and worker-thread code (shard/owner/) apart', () => {
    const v = violations({
      ...clean,
      'shard/messages.ts': ['export const MSG = 1;'],
      'shard/pool/owner-pool.ts': ["import { MSG } from '../messages.js';", 'export const p = MSG;'],
      'shard/owner/owner-worker.ts': ["import { MSG } from '../messages.js';", "import { p } from '../pool/owner-pool.js';", 'export const w = MSG + p;'],
    });
    expect(v).toEqual([
      'src/shard/owner/owner-worker.ts:2: imports src/shard/pool/owner-pool.ts: shard/pool/ runs on the main thread and shard/owner/ in the worker threads; neither imports the other (what both need sits beside them in shard/)',
    ]);
  });

  it('reports source files that are not .ts, and src/ importing its own package by name', () => {
    const v = violations({
      ...clean,
      'engine/helper.js': ['export const h = 1;'],
      'engine/uses-package.ts': ["import { Riffle } from 'riffle';", "import { limits } from 'riffle/internal';", 'export const u = [Riffle, limits];'],
    });
    expect(v).toEqual([
      'src/engine/helper.js: source files in src/ are .ts (the checker and tsc read only those); rename it or move it out',
      "src/engine/uses-package.ts:1: imports 'riffle', this package by name: inside src/ import the file itself, so the layer rules see it",
      "src/engine/uses-package.ts:2: imports 'riffle/internal', this package by name: inside src/ import the file itself, so the layer rules see it",
    ]);
  });

  it('keeps test/ and bench/ off dist/: they import riffle or riffle/internal', () => {
    const src = tree(clean);
    const repo = path.dirname(src);
    fs.mkdirSync(path.join(repo, 'test', 'unit'), { recursive: true });
    fs.mkdirSync(path.join(repo, 'bench'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'test', 'unit', 'a.test.ts'), "import { x } from '../../dist/engine/x.js';\nimport { Riffle } from 'riffle';\nconst cli = new URL('../../dist/cli/main.js', import.meta.url);\n");
    fs.writeFileSync(path.join(repo, 'bench', 'b.mjs'), "// import '../dist/nope.js' in a comment\nconst m = await import('../dist/index.js');\n");
    expect(checkDistImports(repo)).toEqual([
      "test/unit/a.test.ts:1: imports '../../dist/engine/x.js' from dist/; import it from 'riffle' or 'riffle/internal' (src/internal.ts)",
      "bench/b.mjs:2: imports '../dist/index.js' from dist/; import it from 'riffle' or 'riffle/internal' (src/internal.ts)",
    ]);
  });

  it('reports each import cycle once, type-only imports and one folder included', () => {
    const v = violations({
      ...clean,
      'engine/stream.ts': ["import type { Consumer } from './consumers.js';", 'export type Stream = { c?: Consumer };'],
      'engine/consumers.ts': ["import { type Stream } from './stream.js';", 'export type Consumer = { s?: Stream };'],
      'shard/a.ts': ["import { b } from './b.js';", 'export const a = () => b;'],
      'shard/b.ts': ["import { c } from './c.js';", 'export const b = () => c;'],
      'shard/c.ts': ["import { a } from './a.js';", 'export const c = () => a;'],
      'log/self.ts': ["import * as self from './self.js';", 'export const s = self;'],
    });
    expect(v).toEqual([
      'import cycle: src/engine/consumers.ts → src/engine/stream.ts → src/engine/consumers.ts; break it by moving what they share into a file they both import',
      'import cycle: src/log/self.ts → src/log/self.ts; break it by moving what they share into a file they both import',
      'import cycle: src/shard/a.ts → src/shard/b.ts → src/shard/c.ts → src/shard/a.ts; break it by moving what they share into a file they both import',
    ]);
  });

  it('reports files over 400 lines unless LONG_FILES says why, and stale LONG_FILES entries', () => {
    const files = { ...clean, 'engine/long.ts': lines(401), 'engine/short.ts': lines(400) };
    expect(violations(files)).toEqual([
      'src/engine/long.ts: 401 lines, over 400; split it, or add it to LONG_FILES in scripts/check-structure.mjs with a one-line reason it is long',
    ]);
    expect(violations(files, { longFiles: { 'engine/long.ts': 'one table, split it would scatter it' } })).toEqual([]);
    expect(violations(files, { longFiles: { 'engine/long.ts': 'why', 'engine/short.ts': 'why', 'engine/gone.ts': 'why' } })).toEqual([
      'src/engine/short.ts: listed in LONG_FILES (scripts/check-structure.mjs) but is 400 lines, no longer over 400; stale entry: remove it',
      'src/engine/gone.ts: listed in LONG_FILES (scripts/check-structure.mjs) but no longer exists; stale entry: remove it',
    ]);
  });

  it('lets only src/native/index.ts load the native addon', () => {
    const v = violations({
      ...clean,
      'native/md5.ts': ["import { createRequire } from 'node:module';", '', 'export const r = createRequire(import.meta.url);'],
      'log/x.ts': ['// createRequire( in a comment is fine', "export const p = 'addon.node';"],
      'ring/y.ts': ['export const p = `build/riffle_native.node`;'],
    });
    expect(v).toEqual([
      'src/log/x.ts:2: only src/native/index.ts loads the native addon; import what you need from it',
      'src/native/md5.ts:3: only src/native/index.ts loads the native addon; import what you need from it',
      'src/ring/y.ts:1: only src/native/index.ts loads the native addon; import what you need from it',
    ]);
  });

  it('keeps <service>/operations/ to one kebab-case file per operation that imports no other operation', () => {
    const v = violations({
      ...clean,
      'kinesis/operations/PutRecords.ts': ['export const p = 1;'],
      'kinesis/operations/helpers/shared.ts': ['export const h = 1;'],
      'kinesis/operations/notes.md': ['# notes'],
      'kinesis/operations/get-records.ts': ['', "import { putRecord } from './put-record.js';", 'export const g = putRecord;'],
    });
    expect(v).toEqual([
      'src/kinesis/operations/PutRecords.ts: kinesis/operations/ holds only .ts files named in kebab-case after their operation (PutRecords → put-records.ts)',
      'src/kinesis/operations/helpers/shared.ts: kinesis/operations/ holds one file per AWS operation directly in it, no subfolders; move helpers next to operations/ (into kinesis/)',
      'src/kinesis/operations/notes.md: kinesis/operations/ holds only .ts files named in kebab-case after their operation (PutRecords → put-records.ts)',
      'src/kinesis/operations/get-records.ts:2: imports src/kinesis/operations/put-record.ts: operations never import each other; move what they share next to operations/',
    ]);
  });

  it('runs as a script: violations and exit code 1, or one summary line and exit code 0', () => {
    expect(execFileSync('node', [script, tree(clean)], { encoding: 'utf8' })).toBe(`structure: ${Object.keys(clean).length} files, 28 imports, no violations\n`);
    const bad = tree({ ...clean, 'misc.ts': ['export const m = 1;'] });
    const run = (): string => execFileSync('node', [script, bad], { encoding: 'utf8', stdio: 'pipe' });
    expect(run).toThrow();
    try {
      run();
    } catch (err) {
      const e = err as { status: number; stdout: string };
      expect(e.status).toBe(1);
      expect(e.stdout.split('\n')[0]).toBe('src/misc.ts: not in the layer map (scripts/check-structure.mjs); put it in a layer or add it to the map');
    }
  });

  it('finds the real src/ tree in shape (LONG_FILES applies to it)', () => {
    const report = checkStructure(fileURLToPath(new URL('../../../src', import.meta.url)));
    expect(report.files).toBeGreaterThan(50);
    expect(report.imports).toBeGreaterThan(100);
    expect(report.violations).toEqual([]);
  });
});
