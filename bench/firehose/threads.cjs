// Preloaded into the benchmark's Riffle server (node --require, which Node 20 also runs in every
// worker thread): writes `<tid> <kind>` for each JavaScript thread to the file named by
// RIFFLE_BENCH_THREADS, so the orchestrator can split the server's CPU by thread from
// /proc/<pid>/task/<tid>/stat. Every thread of a Node process is named "node" in
// /proc/<pid>/task/<tid>/comm (Node 20 does not pass a Worker's `name` to the OS), so the names
// cannot tell them apart; what a thread is can be read only from inside it:
//   main:  the main thread (its tid is the pid)
//   owner: a shard owner worker (shard/pool/owner-pool.ts starts it with OwnerInit as workerData,
//          which holds the request ring)
//   pool:  piscina's compression threads (codecs/compress-pool.ts, which passes no workerData);
//          the directory sink's threads (workerData { riffle: 'dir-sink' }) are counted as other
// In the main thread it also samples the event loop's delay (perf_hooks.monitorEventLoopDelay) and
// writes `loop <wall ms> <p50 ms> <p99 ms> <max ms>` each second to RIFFLE_BENCH_LOOP: how long
// anything queued on the main thread (a delivery's next file operation, a reply) waits for its turn.
// Threads that run no JavaScript (V8's platform threads, libuv's pool, which does the sink's file
// writes and fsyncs, napi-rs runtimes) write nothing; the orchestrator counts them as "other".
'use strict';
const { appendFileSync, readlinkSync } = require('node:fs');
const { isMainThread, workerData } = require('node:worker_threads');

const file = process.env.RIFFLE_BENCH_THREADS;
if (file) {
  // /proc/thread-self is this thread's /proc/<pid>/task/<tid>.
  const tid = readlinkSync('/proc/thread-self').split('/').pop();
  const data = workerData !== null && typeof workerData === 'object' ? workerData : {};
  // The directory sink's file writers (sinks/dir-sink.ts, workerData { riffle: 'dir-sink' }) count
  // with the other threads, as libuv's pool did when it did those writes: 'pool' is compression.
  const kind = isMainThread ? 'main' : 'requestRing' in data ? 'owner' : data.riffle === 'dir-sink' ? 'other' : 'pool';
  appendFileSync(file, `${tid} ${kind}\n`);
}
const loopFile = process.env.RIFFLE_BENCH_LOOP;
if (loopFile && isMainThread) {
  const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const ms = (ns) => (ns / 1e6).toFixed(1);
  setInterval(() => {
    appendFileSync(loopFile, `loop ${(performance.timeOrigin + performance.now()).toFixed(0)} ${ms(h.percentile(50))} ${ms(h.percentile(99))} ${ms(h.max)}\n`);
    h.reset();
  }, 1000).unref();
}
