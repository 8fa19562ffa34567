// The pure codec rate, for bench/firehose/run.mjs (its own process, nothing else running): each
// CompressionFormat compressing the same clickstream data alone on one core, with Riffle's own
// compress(format, data) (src/firehose/codecs/formats.ts, what the pool's workers run), taken from
// riffle/internal. Each output is decoded and compared with the input before anything is timed.
// Prints one JSON line: per format, input MB/s, output/input ratio and calls timed.
//   node bench/firehose/codec.mjs '{"formats":[...],"mb":4,"seconds":1,"bytes":1024}'
import { decodeObject } from './objects.mjs';
import { makeCorpus } from './events.mjs';

const o = JSON.parse(process.argv[2]);
const internal = await import('riffle/internal');
// riffle/internal exports it as compressFirehose.
const compress = internal.compressFirehose ?? internal.compress;
if (typeof compress !== 'function') {
  console.log(
    JSON.stringify({
      skipped:
        "riffle/internal does not export compressFirehose (src/firehose/codecs/formats.ts compress); src/internal.ts needs: export { compress as compressFirehose } from './firehose/codecs/formats.js';",
    }),
  );
  process.exit(0);
}
// An object's worth of records: what the delivery hands the pool (at most one 4 MiB read at interval 0).
const corpus = makeCorpus(4096, o.bytes, o.seed ?? 1);
const count = Math.ceil((o.mb * 1024 * 1024) / o.bytes);
const input = Buffer.concat(Array.from({ length: count }, (_, i) => corpus[i % corpus.length]));

const rows = [];
for (const format of o.formats) {
  // compress() may be handed the caller's buffer as is (UNCOMPRESSED returns it): a fresh copy each call.
  const fresh = () => new Uint8Array(input);
  const out = compress(format, fresh());
  const back = decodeObject(format, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  if (!Buffer.from(back).equals(input)) throw new Error(`${format}: decoding the output does not give the input back`);
  const copies = Array.from({ length: 4 }, fresh);
  let calls = 0;
  let ns = 0n;
  const deadline = performance.now() + o.seconds * 1000;
  while (calls < 3 || performance.now() < deadline) {
    const data = copies[calls % copies.length];
    const t = process.hrtime.bigint();
    compress(format, data);
    ns += process.hrtime.bigint() - t;
    calls++;
  }
  const sec = Number(ns) / 1e9;
  rows.push({ format, inputBytes: input.length, outputBytes: out.byteLength, ratio: input.length / out.byteLength, calls, megabytesPerSec: (input.length * calls) / 1e6 / sec });
}
console.log(JSON.stringify({ rows }));
