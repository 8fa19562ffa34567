// Removes dist/ before a build, so a file moved or deleted in src/ cannot live on as a stale .js
// that tests or benchmarks still import.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

rmSync(fileURLToPath(new URL('../dist', import.meta.url)), { recursive: true, force: true });
