// Decoding one batch of 500 × 100 B records, side by side in one run (tinybench): the AWS JSON
// body (JSON.parse, then the PutRecords fast path or the generic validator) against the binary
// ingest frame's records (native scan, or its TypeScript twin); plus the shard owner's per-record
// token-bucket admission. Every candidate's output is checked before anything is timed.
//   npm run build && node bench/micro/decode.bench.mjs [--records 500] [--bytes 100] [--time ms] [--json out.json]
import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { implementations, SPAN_WORDS, putRecords, validateInput, PackedRecords, ShardState } from 'riffle/internal';

const opt = { records: 500, bytes: 100, time: 1000, json: '' };
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = process.argv[i].endsWith('json') ? process.argv[i + 1] : Number(process.argv[i + 1]);

const records = Array.from({ length: opt.records }, (_, i) => ({ key: Buffer.from(`device-${i}`), data: Buffer.alloc(opt.bytes, i % 251) }));
const json = Buffer.from(JSON.stringify({ StreamName: 's', Records: records.map((r) => ({ PartitionKey: r.key.toString(), Data: r.data.toString('base64') })) }));
const frame = Buffer.concat(
  records.flatMap((r) => {
    const head = Buffer.alloc(3);
    head.writeUInt16LE(r.key.length, 1);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.data.length);
    return [head, r.key, len, r.data];
  }),
);
const generic = { ...putRecords.members, Records: { ...putRecords.members.Records, fast: undefined } };
const spans = new Uint32Array(opt.records * SPAN_WORDS);
const err = new Int32Array(4);

/** Each candidate returns the data bytes of its last record, to be checked. */
const candidates = {
  'JSON.parse + PutRecords fast path': () => {
    const p = validateInput(JSON.parse(json.toString()), putRecords.members).Records;
    if (!(p instanceof PackedRecords)) throw new Error('fast path not taken');
    const s = (p.count - 1) * SPAN_WORDS;
    return p.bytes.subarray(p.spans[s + 2], p.spans[s + 2] + p.spans[s + 3]);
  },
  'JSON.parse + generic validation': () => validateInput(JSON.parse(json.toString()), generic).Records.at(-1).Data,
  'binary frame, native scan': () => scanWith(implementations.native),
  'binary frame, TypeScript twin scan': () => scanWith(implementations.typescript),
};
function scanWith(api) {
  if (api.scanIngest(frame, 0, opt.records, spans, err) !== 0) throw new Error('scan failed');
  const s = (opt.records - 1) * SPAN_WORDS;
  return frame.subarray(spans[s + 2], spans[s + 2] + spans[s + 3]);
}
if (implementations.native === null) delete candidates['binary frame, native scan'];
const expected = records.at(-1).data;
for (const [name, fn] of Object.entries(candidates)) if (!Buffer.from(fn()).equals(expected)) throw new Error(`${name} decoded the wrong bytes`);

// Token buckets: the owner's write admission for one record (both quotas, all-or-nothing).
const shard = new ShardState(0, 86_400_000, { writeBytesPerSec: 1 << 20, writeRecordsPerSec: 1000, readBytesPerSec: 2 << 20, readCallsPerSec: 5 }, 0);
let now = 0;
let admitted = 0;
const admit = () => {
  for (let i = 0; i < opt.records; i++) if (shard.admitWrite(opt.bytes + 10, (now += 1))) admitted++;
};
admit();
if (admitted === 0) throw new Error('token bucket admitted nothing');

const bench = new Bench({ time: opt.time, warmupTime: Math.min(200, opt.time) });
for (const [name, fn] of Object.entries(candidates)) bench.add(name, fn);
bench.add('token buckets: admitWrite per record', admit);
await bench.run();
const rows = bench.tasks.map((t) => {
  const r = t.result;
  const p50Ms = r.latency?.p50 ?? r.p50 ?? r.latency?.mean ?? r.mean;
  return { name: t.name, recordsPerSec: (opt.records / p50Ms) * 1000, p50UsPerBatch: p50Ms * 1000 };
});
console.log(`${opt.records} records of ${opt.bytes} B per batch, median per batch`);
for (const r of rows) console.log(`${r.name.padEnd(40)} ${Math.round(r.recordsPerSec).toLocaleString().padStart(14)} records/s  ${r.p50UsPerBatch.toFixed(1).padStart(9)} µs/batch`);
const byName = Object.fromEntries(rows.map((r) => [r.name, r.recordsPerSec]));
const binaryVsJson = (byName['binary frame, native scan'] ?? byName['binary frame, TypeScript twin scan']) / byName['JSON.parse + PutRecords fast path'];
console.log(`binary frame vs JSON body (fast path): ${binaryVsJson.toFixed(1)}×`);
if (opt.json) writeFileSync(opt.json, JSON.stringify({ benchmark: 'decode', options: opt, rows, binaryVsJson }, null, 2));
