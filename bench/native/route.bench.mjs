// Batch partition-key routing: native addon vs its TypeScript twin vs node:crypto MD5 per key,
// on the same batch in one run (tinybench). Outputs are checked equal before anything is timed.
//   npm run build && node bench/native/route.bench.mjs [--keys 500] [--shards 4] [--time ms] [--json out.json]
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { implementations, findRangeBytes, hashKeyBytes, splitHashKeySpace } from 'riffle/internal';

const opt = { keys: 500, shards: 4, time: 1000, json: '' };
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = process.argv[i].endsWith('json') ? process.argv[i + 1] : Number(process.argv[i + 1]);
if (implementations.native === null) throw new Error('native addon not built: run npm install');

const keys = Array.from({ length: opt.keys }, (_, i) => `device-${i}-${(i * 2654435761) >>> 0}`); // ~20-byte keys
const parts = keys.map((k) => Buffer.from(k));
const offsets = new Uint32Array(keys.length + 1);
parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
const bytes = Buffer.concat(parts);
const starts = Buffer.concat(splitHashKeySpace(opt.shards).map((r) => hashKeyBytes(r.start)));

const viaCrypto = (out) => {
  for (let i = 0; i < keys.length; i++) out[i] = findRangeBytes(starts, createHash('md5').update(keys[i], 'utf8').digest(), 0);
};
const candidates = {
  native: (out) => implementations.native.routeBatch(bytes, offsets, starts, out),
  'typescript twin (pure-JS MD5)': (out) => implementations.typescript.routeBatch(bytes, offsets, starts, out),
  'node:crypto MD5 per key': viaCrypto,
};
const reference = new Uint32Array(keys.length);
viaCrypto(reference);
for (const [name, fn] of Object.entries(candidates)) {
  const out = new Uint32Array(keys.length);
  fn(out);
  if (!out.every((v, i) => v === reference[i])) throw new Error(`${name} routes differently`);
}

const bench = new Bench({ time: opt.time, warmupTime: Math.min(200, opt.time) });
const scratch = new Uint32Array(keys.length);
for (const [name, fn] of Object.entries(candidates)) bench.add(name, () => fn(scratch));
await bench.run();
const rows = bench.tasks.map((t) => {
  const r = t.result;
  const meanMs = r.latency?.mean ?? r.mean;
  const p50Ms = r.latency?.p50 ?? r.p50 ?? meanMs;
  return { name: t.name, keysPerSec: (keys.length / p50Ms) * 1000, p50UsPerBatch: p50Ms * 1000 };
});
const twinBest = Math.max(...rows.filter((r) => r.name !== 'native').map((r) => r.keysPerSec));
console.log(`routing ${opt.keys} keys over ${opt.shards} shards, median per batch`);
for (const r of rows) console.log(`${r.name.padEnd(32)} ${Math.round(r.keysPerSec).toLocaleString().padStart(12)} keys/s  ${r.p50UsPerBatch.toFixed(1).padStart(8)} µs/batch`);
const ratio = rows.find((r) => r.name === 'native').keysPerSec / twinBest;
console.log(`native vs fastest TypeScript alternative: ${ratio.toFixed(2)}×`);
if (opt.json) writeFileSync(opt.json, JSON.stringify({ benchmark: 'route', options: opt, rows, nativeVsFastestTwin: ratio }, null, 2));
