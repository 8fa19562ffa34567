// Recovery speed of the durable log, next to the disk's own limit in the same run. A server
// (`riffle serve --data-dir <tmp> --fsync group --no-throttle`, default segment size) and a load
// generator (bench/load/recovery-load.mjs, binary WebSocket, records of --record-bytes) are
// separate processes on 127.0.0.1. Recovery reads each shard's newest segment whole (CRC-32C of
// every record; they become the hot tail in memory) and only the index file of each older one, so
// what a GB costs depends on how it lies. Two layouts of the same --bytes, each on its own server:
//   tails:  spread over --streams × --shards shards, each holding less than a segment: all of it is
//           in newest segments (the most a GB can cost);
//   sealed: over 1 stream of 2 shards: most of it in sealed segments with their index files.
// For each, after the load has written --bytes, each of --runs runs times
//   clean:  SIGTERM, then a restart on the same directory, page cache warm;
//   cold:   the same with the data directory's files evicted from the page cache first (`evict`);
//   kill:   kill -9 while a paced load runs, then a restart (the torn tails are cut);
// each to the "listening" line (the engine restores every stream before the server listens) and
// to the first GetRecords answer (TRIM_HORIZON of a shard: a read from its oldest file). Every
// record acknowledged before a kill -9 must come back. Beside them the physical limit over the same
// files: `cat` to /dev/null, cold and warm, and a CRC-32C pass with the native addon (whole 1 MiB
// chunks; one call per record, as recovery must). A start on an empty data directory is timed
// too, so the fixed start-up cost can be told from what each GB adds. s/GB: seconds per 10^9
// bytes of segment files (.seg) on disk; "scanned" counts only the newest segments' bytes.
// Writes bench/results/recovery-<time>.json and prints medians over --runs.
//   node bench/recovery.mjs [--bytes 1073741824] [--runs 3] [--layout both] [--record-bytes 1024]
// RIFFLE_PROFILE_DIR=dir adds --cpu-prof to every restarted server (profiles written when it exits).
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { implementations } from 'riffle/internal';
import { api } from './lib/aws-api.mjs';
import { parseOptions } from './lib/options.mjs';

const run = promisify(execFile);
const opt = parseOptions(process.argv.slice(2), {
  command: 'riffle bench recovery',
  defaults: { bytes: 1 << 30, runs: 3, layout: 'both', streams: 6, shards: 4, 'record-bytes': 1024, batch: 200, 'kill-after-ms': 1000, 'kill-load-mbps': 50, out: '' },
  text: ['out', 'layout'],
  positive: true,
  intro: [
    'usage: riffle bench recovery [options]   (also: node bench/recovery.mjs [options])',
    '',
    'Recovery of the durable log (a temporary --data-dir, --fsync group, --no-throttle): writes --bytes of',
    'records, then times a clean restart (page cache warm, then cold) and a kill -9 under load with its',
    'restart, to "listening" and to the first GetRecords answer, next to the time `cat` and a CRC-32C pass',
    'take over the same files. Two layouts: all in newest segments (scanned whole at start) and mostly in',
    'sealed ones (taken at their index). Server and load generator are separate processes on 127.0.0.1.',
  ],
  rows: [
    ['--bytes <n>', '1073741824 (1 GiB)', 'record bytes (key and data) the load writes before the first restart, per layout'],
    ['--runs <n>', 3, 'runs of each restart and of the physical limit; medians are reported'],
    ['--layout <name>', 'both', 'tails, sealed or both'],
    ['--streams <n>', 6, 'streams of the tails layout (the sealed one has 1)'],
    ['--shards <n>', 4, 'shards per stream of the tails layout (the sealed one has 2)'],
    ['--record-bytes <n>', 1024, 'bytes per record (partition key and data)'],
    ['--batch <n>', 200, 'records per WebSocket PUT frame'],
    ['--kill-after-ms <n>', 1000, 'how long the paced load runs before the kill -9'],
    ['--kill-load-mbps <n>', 50, 'MB/s of records that load offers (paced, so every run adds about the same)'],
    ['--out <file>', 'bench/results/recovery-<time>.json', 'where the JSON report is written'],
  ],
});
if (!['tails', 'sealed', 'both'].includes(opt.layout)) {
  console.error(`riffle bench recovery: --layout must be tails, sealed or both, got '${opt.layout}'`);
  process.exit(2);
}
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Every wait on a server is bounded: a recovery slower than this fails the bench. */
const START_TIMEOUT_MS = 120_000;
const profileDir = process.env.RIFFLE_PROFILE_DIR ?? '';

/**
 * Starts a server on `dataDir`; resolves once it listens, with the ms from spawn to "listening", the
 * records its recovery lines count per stream and the repairs they name.
 */
function startServer(dataDir, profile = false) {
  const prof = profile && profileDir !== '' ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const t0 = performance.now();
  const child = spawn(process.execPath, [...prof, here('../dist/cli/main.js'), 'serve', '--port', '0', '--stream-port', '0', '--data-dir', dataDir, '--fsync', 'group', '--no-throttle'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms: ${out.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/[\d.]+:(\d+) .* and http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      const recovered = {};
      const notes = [];
      for (const line of out.split('\n')) {
        const r = /^riffle: recovered (\S+) \S+: (\d+) record\(s\), next counter \d+(?:; (.*))?$/.exec(line);
        if (r === null) continue;
        recovered[r[1]] = (recovered[r[1]] ?? 0) + Number(r[2]);
        if (r[3] !== undefined) notes.push(...r[3].split('; '));
      }
      resolve({ child, t0, listeningMs: performance.now() - t0, port: Number(m[1]), streamPort: Number(m[2]), recovered, notes });
    });
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${out.slice(-2000)}`));
    });
  });
}

/** Stops a server with `signal`; resolves with the ms it took to exit. */
function stopServer(server, signal) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not exit within 60 s of ${signal}`)), 60_000);
    server.child.removeAllListeners('exit');
    server.child.once('exit', () => {
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
    server.child.kill(signal);
  });
}

/** The first GetRecords after a start: TRIM_HORIZON of shard 0 of `stream`; ms from the spawn. */
async function firstGetRecords(server, stream) {
  const { ShardIterator } = await api(server.port, 'GetShardIterator', { StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
  const { Records } = await api(server.port, 'GetRecords', { ShardIterator, Limit: 100 });
  if (Records.length === 0) throw new Error('GetRecords at TRIM_HORIZON returned no records after the restart');
  return performance.now() - server.t0;
}

/** Runs the load generator until `targetBytes` are acknowledged (or `seconds`, or the server dies). */
async function load(server, streams, targetBytes, seconds, bytesPerSec = 0) {
  const args = [here('./load/recovery-load.mjs'), `http://127.0.0.1:${server.streamPort}`, streams.join(','), targetBytes, seconds, opt['record-bytes'], opt.batch, Math.max(4, 2 * streams.length), bytesPerSec];
  const { stdout, stderr } = await run(process.execPath, args, { timeout: (seconds + 30) * 1000, maxBuffer: 16 * 1024 * 1024 });
  const result = JSON.parse(stdout.trim().split('\n').pop());
  if (result.errors > 0) console.error(`load: ${result.errors} batches failed: ${stderr.trim().split('\n')[0]}`);
  return result;
}

/** The segment files under `dir`, with their sizes and whether each is its shard's newest. */
function segmentFiles(dir, out = []) {
  const entries = readdirSync(dir, { withFileTypes: true });
  const segs = entries.filter((e) => e.isFile() && e.name.endsWith('.seg')).map((e) => e.name).sort();
  for (const [i, name] of segs.entries()) out.push({ path: join(dir, name), bytes: statSync(join(dir, name)).size, newest: i === segs.length - 1 });
  for (const e of entries) if (e.isDirectory()) segmentFiles(join(dir, e.name), out);
  return out;
}

/** Every file under `dir` (segments, index files, the manifest): what a cold start finds uncached. */
function dataFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) dataFiles(join(dir, e.name), out);
    else if (e.isFile()) out.push({ path: join(dir, e.name), bytes: statSync(join(dir, e.name)).size });
  }
  return out;
}

/** Bytes of `files` resident in the page cache (fincore, util-linux), or null without it. */
async function residentBytes(files) {
  try {
    const { stdout } = await run('fincore', ['--bytes', '--noheadings', '--output', 'RES', ...files.map((f) => f.path)], { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim().split('\n').reduce((n, l) => n + Number(l.trim()), 0);
  } catch {
    return null;
  }
}

/**
 * Evicts the files from the page cache with posix_fadvise(POSIX_FADV_DONTNEED) per file, through GNU
 * dd's iflag=nocache (clean pages only, hence the sync first). That needs no privilege and
 * leaves the caches of other processes on the machine alone, which `echo 3 > /proc/sys/vm/drop_caches`
 * would not (RIFFLE_DROP_CACHES=1 does that too, where it is allowed). What is left resident is
 * measured (fincore), not assumed. The disk below may have a cache of its own (a VM's host).
 */
let dropCaches = process.env.RIFFLE_DROP_CACHES === '1' ? null : false;
let dropCachesNote = 'not tried (RIFFLE_DROP_CACHES=1 tries it)';
async function evict(files) {
  if (dropCaches !== false) {
    try {
      writeFileSync('/proc/sys/vm/drop_caches', '3');
      dropCaches = true;
      dropCachesNote = 'written';
    } catch (err) {
      dropCaches = false;
      dropCachesNote = `refused (${err.code ?? err})`;
    }
  }
  // Index files and the manifest are renamed into place without an fsync: write them back first
  // (coreutils sync FILE...), or their dirty pages stay cached.
  await run('sync', files.map((f) => f.path));
  for (const f of files) await run('dd', [`if=${f.path}`, 'iflag=nocache', 'count=0', 'status=none']);
  return residentBytes(files);
}

/** ms for `cat` of the files to /dev/null. */
async function catMs(files) {
  const t0 = performance.now();
  await run('sh', ['-c', 'cat "$@" > /dev/null', 'sh', ...files.map((f) => f.path)]);
  return performance.now() - t0;
}

/**
 * A CRC-32C pass with the native addon over the files (page cache warm): whole 1 MiB chunks, and
 * one call per record (walking the frames as recovery does, without its other work). Reads are
 * timed apart from the CRCs; every record must pass.
 */
function crcPass(files) {
  const crc = implementations.native.crc32c;
  const CHUNK = 1 << 20;
  const bytes = new Uint8Array(Math.max(...files.map((f) => f.bytes)));
  const view = new DataView(bytes.buffer);
  let readMs = 0;
  let chunkCrcMs = 0;
  let recordCrcMs = 0;
  let records = 0;
  let mismatches = 0;
  for (const f of files) {
    const fd = openSync(f.path, 'r');
    let t = performance.now();
    for (let at = 0; at < f.bytes; ) at += readSync(fd, bytes, at, Math.min(CHUNK, f.bytes - at), at);
    closeSync(fd);
    readMs += performance.now() - t;
    t = performance.now();
    let c = 0;
    for (let at = 0; at < f.bytes; at += CHUNK) c = crc(bytes.subarray(at, Math.min(f.bytes, at + CHUNK)), c);
    chunkCrcMs += performance.now() - t;
    t = performance.now();
    // Frames after the 16-byte header: u32 payload length, u32 CRC-32C, payload.
    for (let at = 16; at + 8 <= f.bytes; ) {
      const len = view.getUint32(at, true);
      if (at + 8 + len > f.bytes) break;
      if (crc(bytes.subarray(at + 8, at + 8 + len)) !== view.getUint32(at + 4, true)) mismatches++;
      records++;
      at += 8 + len;
    }
    recordCrcMs += performance.now() - t;
  }
  return { readMs, chunkCrcMs, recordCrcMs, records, mismatches };
}

/**
 * Busy cores of the whole machine over `ms` while the bench idles (its server too): what other
 * processes take of the cores the figures need.
 */
async function otherLoadCores(ms = 1000) {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await sleep(ms);
  const b = read();
  return (b.total - a.total - (b.idle - a.idle)) / 100 / (ms / 1000);
}

const median = (values) => {
  const v = values.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 === 1 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const sum = (files) => files.reduce((n, f) => n + f.bytes, 0);
const perGB = (ms, bytes) => (bytes > 0 ? ms / 1000 / (bytes / 1e9) : null);

/** One restart: stop with `signal` (then `before`), start again, time "listening" and the first read. */
async function restart(server, dataDir, stream, kind, signal, emptyStartMs, before = async () => ({})) {
  const stopMs = await stopServer(server, signal);
  const extra = await before();
  const files = segmentFiles(dataDir);
  const resident = await residentBytes(files);
  const again = await startServer(dataDir, true);
  const getRecordsMs = await firstGetRecords(again, stream);
  const bytes = sum(files);
  const newest = sum(files.filter((f) => f.newest));
  return {
    server: again,
    row: {
      kind,
      stopMs,
      segmentBytes: bytes,
      newestSegmentBytes: newest,
      segmentFiles: files.length,
      residentBytesAtStart: resident,
      listeningMs: again.listeningMs,
      firstGetRecordsMs: getRecordsMs,
      listeningSecPerGB: perGB(again.listeningMs, bytes),
      firstGetRecordsSecPerGB: perGB(getRecordsMs, bytes),
      // Start-up on an empty directory taken off: what the GBs added, per GB on disk and per GB scanned.
      beyondEmptySecPerGB: perGB(again.listeningMs - emptyStartMs, bytes),
      beyondEmptySecPerScannedGB: perGB(again.listeningMs - emptyStartMs, newest),
      recoveredRecords: Object.values(again.recovered).reduce((a, b) => a + b, 0),
      notes: again.notes.length,
      notesSample: again.notes.slice(0, 3),
      ...extra,
    },
  };
}

async function measureLayout(layout) {
  const streams = layout === 'tails' ? Array.from({ length: opt.streams }, (_, i) => `recovery-${i}`) : ['recovery-sealed'];
  const shards = layout === 'tails' ? opt.shards : 2;
  const dataDir = mkdtempSync(join(tmpdir(), `riffle-recovery-${layout}-`));
  const emptyDir = mkdtempSync(join(tmpdir(), 'riffle-recovery-empty-'));
  let server = null;
  try {
    server = await startServer(dataDir);
    for (const s of streams) await api(server.port, 'CreateStream', { StreamName: s, ShardCount: shards });
    for (let i = 0; i < 100 && (await api(server.port, 'DescribeStreamSummary', { StreamName: streams[streams.length - 1] })).StreamDescriptionSummary.StreamStatus !== 'ACTIVE'; i++) await sleep(50);
    const written = await load(server, streams, opt.bytes, 300);
    const acked = Object.fromEntries(streams.map((s) => [s, written.perStream[s].records]));
    console.log(`${layout}: ${streams.length} stream(s) × ${shards} shards; wrote ${(written.acceptedBytes / 1e9).toFixed(2)} GB of records in ${written.elapsedSec.toFixed(1)} s (${(written.bytesPerSec / 1e6).toFixed(0)} MB/s)`);
    const runs = [];
    for (let i = 0; i < opt.runs; i++) {
      const otherCores = await otherLoadCores();
      // The fixed cost: a start on an empty data directory.
      rmSync(emptyDir, { recursive: true, force: true });
      mkdirSync(emptyDir);
      const empty = await startServer(emptyDir);
      await stopServer(empty, 'SIGTERM');
      const rows = [];
      let r = await restart(server, dataDir, streams[0], 'clean', 'SIGTERM', empty.listeningMs);
      rows.push(r.row);
      server = r.server;
      r = await restart(server, dataDir, streams[0], 'cold', 'SIGTERM', empty.listeningMs, async () => ({ residentBytesAfterEvict: await evict(dataFiles(dataDir)) }));
      rows.push(r.row);
      server = r.server;
      // kill -9 under load: what the load had acknowledged when the server died must come back.
      const loading = load(server, streams, Number.MAX_SAFE_INTEGER, 60, opt['kill-load-mbps'] * 1e6);
      await sleep(opt['kill-after-ms']);
      const killing = restart(server, dataDir, streams[0], 'kill', 'SIGKILL', empty.listeningMs);
      const during = await loading;
      for (const s of streams) acked[s] += during.perStream[s].records;
      r = await killing;
      server = r.server;
      r.row.loadBytesBeforeKill = during.acceptedBytes;
      r.row.lostAcknowledged = streams.reduce((n, s) => n + Math.max(0, acked[s] - (r.server.recovered[s] ?? 0)), 0);
      rows.push(r.row);
      // The physical limit over the same files, with the server stopped.
      await stopServer(server, 'SIGTERM');
      server = null;
      const files = segmentFiles(dataDir);
      const bytes = sum(files);
      const residentAfterEvict = await evict(dataFiles(dataDir));
      const coldCatMs = await catMs(files);
      const warmCatMs = await catMs(files);
      const crc = crcPass(files);
      if (crc.mismatches > 0) throw new Error(`${crc.mismatches} record(s) fail their CRC-32C on disk`);
      server = await startServer(dataDir);
      runs.push({
        emptyStartMs: empty.listeningMs,
        restarts: rows,
        physical: {
          segmentBytes: bytes,
          residentBytesAfterEvict: residentAfterEvict,
          coldCatMs,
          warmCatMs,
          ...crc,
          coldCatSecPerGB: perGB(coldCatMs, bytes),
          warmCatSecPerGB: perGB(warmCatMs, bytes),
          readSecPerGB: perGB(crc.readMs, bytes),
          chunkCrcSecPerGB: perGB(crc.chunkCrcMs, bytes),
          recordCrcSecPerGB: perGB(crc.recordCrcMs, bytes),
        },
        otherLoadCores: otherCores,
      });
      console.log(`  run ${i + 1}: ${rows.map((x) => `${x.kind} ${x.listeningMs.toFixed(0)} ms (read ${x.firstGetRecordsMs.toFixed(0)})`).join(', ')}; empty start ${empty.listeningMs.toFixed(0)} ms; cat cold ${coldCatMs.toFixed(0)} ms, warm ${warmCatMs.toFixed(0)} ms; other load ${otherCores.toFixed(2)} cores`);
    }
    const rowsOf = (kind) => runs.map((x) => x.restarts.find((y) => y.kind === kind));
    const medians = Object.fromEntries(
      ['clean', 'cold', 'kill'].map((kind) => {
        const rs = rowsOf(kind);
        const keys = ['segmentBytes', 'newestSegmentBytes', 'listeningMs', 'firstGetRecordsMs', 'listeningSecPerGB', 'firstGetRecordsSecPerGB', 'beyondEmptySecPerGB', 'beyondEmptySecPerScannedGB'];
        return [kind, Object.fromEntries(keys.map((k) => [k, median(rs.map((x) => x[k]))]))];
      }),
    );
    const phys = (k) => median(runs.map((x) => x.physical[k]));
    return {
      layout,
      streams: streams.length,
      shardsPerStream: shards,
      write: written,
      runs,
      medians: {
        ...medians,
        emptyStartMs: median(runs.map((x) => x.emptyStartMs)),
        physical: Object.fromEntries(['coldCatSecPerGB', 'warmCatSecPerGB', 'readSecPerGB', 'chunkCrcSecPerGB', 'recordCrcSecPerGB', 'residentBytesAfterEvict'].map((k) => [k, phys(k)])),
        lostAcknowledged: runs.reduce((n, x) => n + x.restarts.find((y) => y.kind === 'kill').lostAcknowledged, 0),
        otherLoadCores: median(runs.map((x) => x.otherLoadCores)),
      },
    };
  } finally {
    if (server !== null) await stopServer(server, 'SIGTERM').catch(() => server.child.kill('SIGKILL'));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  }
}

const benchT0 = performance.now();
const layouts = [];
for (const layout of opt.layout === 'both' ? ['tails', 'sealed'] : [opt.layout]) layouts.push(await measureLayout(layout));
const report = {
  date: new Date().toISOString(),
  options: opt,
  cpus: cpus().length,
  pageCache: `cold: the data directory's files evicted with posix_fadvise(DONTNEED) (dd iflag=nocache), resident bytes measured with fincore; drop_caches ${dropCachesNote}`,
  layouts,
  benchSec: (performance.now() - benchT0) / 1000,
};
const f = (v, d = 2) => (v === null || v === undefined ? '-' : v.toFixed(d));
for (const l of layouts) {
  const m = l.medians;
  console.log(`${l.layout}: medians of ${opt.runs} runs; ${f(m.clean.segmentBytes / 1e9)} GB of segment files, ${f(m.clean.newestSegmentBytes / 1e9)} GB in newest segments; empty start ${f(m.emptyStartMs, 0)} ms`);
  for (const [label, k] of [['clean restart, warm cache', 'clean'], ['clean restart, cold cache', 'cold'], ['kill -9 under load', 'kill']]) {
    const x = m[k];
    console.log(`  ${label.padEnd(26)} listening ${f(x.listeningMs, 0)} ms = ${f(x.listeningSecPerGB)} s/GB (${f(x.beyondEmptySecPerGB)} s/GB, ${f(x.beyondEmptySecPerScannedGB)} s per scanned GB beyond an empty start); first GetRecords ${f(x.firstGetRecordsMs, 0)} ms`);
  }
  const p = m.physical;
  console.log(`  physical: cat cold ${f(p.coldCatSecPerGB, 3)} s/GB, warm ${f(p.warmCatSecPerGB, 3)} s/GB; CRC-32C ${f(p.chunkCrcSecPerGB, 3)} s/GB in 1 MiB chunks, ${f(p.recordCrcSecPerGB, 3)} s/GB one call per record`);
  console.log(`  acknowledged records lost to kill -9: ${m.lostAcknowledged}; other processes: ${f(m.otherLoadCores)} core(s) (median, sampled while the bench idled)`);
}
console.log(`${f(report.benchSec, 0)} s in all; ${report.pageCache}`);
const out = opt.out || here(`./results/recovery-${report.date.replace(/[:.]/g, '-')}.json`);
mkdirSync(here('./results'), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 1));
console.log(`report: ${out}`);
