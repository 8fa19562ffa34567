// In-process load for bench/put-records.mjs: the engine and the caller share one process (no
// sockets, no JSON), as an embedding application uses Riffle. Prints one JSON line like the other
// load generators.
//   node in-process-load.mjs <seconds> <concurrency> <batch> <bytes>
import { Riffle } from 'riffle';

const [seconds, concurrency, batch, bytes] = process.argv.slice(2).map(Number);
const riffle = await Riffle.start({ throttle: false, inMemory: true });
await riffle.kinesis.createStream({ StreamName: 'inproc', ShardCount: 4 });
const records = Array.from({ length: batch }, (_, i) => ({ PartitionKey: `key-${i}`, Data: Buffer.alloc(bytes, i % 251) }));
const endAt = Date.now() + seconds * 1000;
const latencies = [];
let accepted = 0;
let failed = 0;
const start = Date.now();
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < endAt) {
      const t = performance.now();
      const out = await riffle.kinesis.putRecords({ StreamName: 'inproc', Records: records });
      latencies.push(performance.now() - t);
      failed += out.FailedRecordCount;
      accepted += batch - out.FailedRecordCount;
    }
  }),
);
const elapsed = (Date.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? null;
await riffle.close();
console.log(JSON.stringify({ accepted, failed, errors: 0, requests: latencies.length, elapsedSec: elapsed, recordsPerSec: accepted / elapsed, p50Ms: pct(50), p99Ms: pct(99), loadCpuSec: (cpu.user + cpu.system) / 1e6 }));
process.exit(0);
