// Builds native-bindings/ with node-gyp during `npm install` (the root package's install script).
// Uses the headers of the Node.js that runs it when they are installed beside it (no download:
// the build must work offline). A failed build does not fail the install: Riffle then runs on the
// TypeScript twins and says so at start-up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = dirname(dirname(process.execPath));
const args = ['rebuild', '--directory', join(root, 'native-bindings')];
if (existsSync(join(prefix, 'include', 'node', 'node.h'))) args.push(`--nodedir=${prefix}`);

let gyp;
try {
  gyp = createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
} catch {
  gyp = process.env.npm_config_node_gyp; // npm's bundled copy
}
if (!gyp) {
  console.warn('riffle: node-gyp not found; the native addon is not built (the TypeScript twins will be used)');
  process.exit(0);
}
const result = spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' });
if (result.status !== 0) {
  console.warn('riffle: building the native addon failed; the TypeScript twins will be used');
}
