// After a build: the package's bin (dist/cli/main.js) is executable, as npm makes it when it links
// an installed package's bins. tsc writes it 0644, and `npx riffle` inside this repository runs it
// directly, so without this it fails with "Permission denied".
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

chmodSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)), 0o755);
