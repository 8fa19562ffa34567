// Medians over runs, the targets, and the table of bench/firehose/run.mjs.

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 === 1 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** Medians of the numeric fields of `rows` (nested objects one level down too); other fields from the first. */
function medianRow(rows) {
  const out = { ...rows[0], runs: rows.length };
  for (const [k, v] of Object.entries(rows[0])) {
    if (typeof v === 'number') out[k] = median(rows.map((r) => r[k]));
    else if (typeof v === 'boolean') out[k] = rows.every((r) => r[k] === true);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = {};
      for (const [k2, v2] of Object.entries(v)) {
        if (typeof v2 === 'number') out[k][k2] = median(rows.map((r) => r[k]?.[k2]));
        else if (v2 !== null && typeof v2 === 'object') out[k][k2] = Object.fromEntries(Object.keys(v2).map((k3) => [k3, median(rows.map((r) => r[k]?.[k2]?.[k3]))]));
      }
    }
  }
  return out;
}

const keyOf = (storage, r) => [storage, r.feed, r.target, r.format, r.client, r.phase].join('|');

export function summarize(runs, { storages, poolThreadsDefault }) {
  const codecRuns = runs.filter((r) => r.codec?.rows).map((r) => r.codec.rows);
  const codec = {};
  for (const rows of codecRuns) for (const row of rows) (codec[row.format] ??= []).push(row);
  const codecMedians = Object.fromEntries(Object.entries(codec).map(([f, rows]) => [f, medianRow(rows)]));
  const codecSkipped = runs.find((r) => r.codec?.skipped)?.codec.skipped ?? null;

  const groups = new Map();
  const skipped = {};
  for (const run of runs) {
    for (const r of run.rows) {
      if (r.skipped) {
        skipped[`${run.storage} feed ${r.feed}`] = r.skipped;
        continue;
      }
      const k = keyOf(run.storage, r);
      if (!groups.has(k)) groups.set(k, { storage: run.storage, rows: [] });
      groups.get(k).rows.push(r);
    }
  }
  const rows = [...groups.values()].map(({ storage, rows: rs }) => ({ storage, ...medianRow(rs) }));

  const targets = [];
  for (const storage of storages) {
    for (const r of rows.filter((x) => x.storage === storage && x.feed === 'a' && x.target === 'firehose')) {
      if (r.phase === 'saturated' && r.ratioVsKinesis != null) {
        targets.push({ storage, what: `a ${r.format} (${r.client}): accepted vs PutRecords`, value: r.ratioVsKinesis, target: 0.5, met: r.ratioVsKinesis >= 0.5, unit: 'ratio' });
      }
      if (r.phase === 'paced' && r.putToObjectP99Ms != null) {
        targets.push({ storage, what: `a ${r.format}: put → object p99 at interval 0 (paced)`, value: r.putToObjectP99Ms, target: 1000, met: r.putToObjectP99Ms <= 1000, unit: 'ms' });
      }
    }
    for (const r of rows.filter((x) => x.storage === storage && x.feed === 'b')) {
      const poolThreads = r.cpu?.threads?.pool || poolThreadsDefault;
      const lone = codecMedians[r.format]?.megabytesPerSec;
      const byCodec = r.format === 'UNCOMPRESSED' || lone == null ? Infinity : lone * poolThreads;
      const bound = Math.min(r.ingestMBps, byCodec);
      r.targetMBps = 0.8 * bound;
      r.targetBasis = byCodec < r.ingestMBps ? `80% of the lone codec × ${poolThreads} pool thread(s)` : '80% of ingest';
      r.deliveredVsBound = r.deliveredInWindowMBps / bound;
      targets.push({ storage, what: `b ${r.format}: delivered MB/s (${r.targetBasis})`, value: r.deliveredInWindowMBps, target: r.targetMBps, met: r.deliveredInWindowMBps >= r.targetMBps, unit: 'MB/s' });
    }
  }
  return { codec: codecMedians, codecSkipped, rows, skipped, targets };
}

const f = (n, d = 0) => (n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(d));
const cpuText = (c) => (c ? `${f(c.cores.main, 2)}/${f(c.cores.owner, 2)}/${f(c.cores.pool, 2)}/${f(c.cores.other, 2)}` : '-');

export function printTable(report) {
  const { summary, options } = report;
  const runs = options.runs;
  console.log(`\nFirehose, ${options.batch} × ${options.bytes} B clickstream events, ${options.seconds} s per phase, ${report.cores} cores, medians of ${runs} run(s)`);
  if (Object.keys(summary.codec).length > 0 || summary.codecSkipped) {
    console.log(`\ncodec alone on one core (compress(format, ${options['codec-mb']} MiB)):`);
    if (summary.codecSkipped) console.log(`  skipped: ${summary.codecSkipped}`);
    for (const [format, r] of Object.entries(summary.codec)) console.log(`  ${format.padEnd(14)} ${f(r.megabytesPerSec).padStart(6)} MB/s in, ${f(r.ratio, 2)}× smaller`);
  }
  const cols = (cells, widths) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' ');
  for (const storage of [...new Set(summary.rows.map((r) => r.storage))]) {
    const a = summary.rows.filter((r) => r.storage === storage && r.feed === 'a');
    if (a.length > 0) {
      const w = [40, 7, 7, 12, 14, 8, 22, 5, 6, 9, 9];
      console.log(`\nfeed a, ${storage}: HTTP/1.1 to the ${options.port === 'aws' ? 'AWS port (node:http)' : 'uWebSockets.js port'}, ${options.concurrency} in flight`);
      console.log(cols(['row', 'MB/s', 'vs Kin', 'ack p50/p99', 'object p50/p99', 'objects', 'CPU main/own/pool/oth', 'load', 'others', 'loop p99', 'all there'], w));
      for (const r of a) {
        const label = r.target === 'kinesis' ? `PutRecords → Kinesis (${r.client})` : `PutRecordBatch ${r.format} (${r.client}${r.phase === 'paced' ? ', paced' : ''})`;
        const obj = r.target === 'kinesis' ? '-' : `${f(r.putToObjectP50Ms)}/${f(r.putToObjectP99Ms)}`;
        console.log(cols([label, f(r.megabytesPerSec, 1), r.ratioVsKinesis == null ? '-' : `${f(r.ratioVsKinesis * 100)}%`, `${f(r.ackP50Ms, 1)}/${f(r.ackP99Ms, 1)}`, obj, r.target === 'kinesis' ? '-' : f(r.objects), cpuText(r.cpu), f(r.loadCpuCores, 2), f(r.cpu?.others, 2), `${f(r.loop?.p99Ms)} ms`, r.target === 'kinesis' ? '-' : r.everyRecordDelivered ? 'yes' : 'NO'], w));
      }
    }
    const b = summary.rows.filter((r) => r.storage === storage && r.feed === 'b');
    if (b.length > 0) {
      const w = [16, 9, 10, 8, 9, 8, 22, 5, 6, 9, 9];
      console.log(`\nfeed b, ${storage}: WebSocket ingest (${options.connections} connections) → Kinesis stream → KinesisStreamAsSource`);
      console.log(cols(['format', 'ingest', 'delivered', 'target', 'catch-up', 'objects', 'CPU main/own/pool/oth', 'load', 'others', 'loop p99', 'all there'], w));
      for (const r of b) {
        console.log(cols([r.format, f(r.ingestMBps, 1), f(r.deliveredInWindowMBps, 1), f(r.targetMBps, 1), `${f(r.catchUpSec, 1)} s`, f(r.objects), cpuText(r.cpu), f(r.loadCpuCores, 2), f(r.cpu?.others, 2), `${f(r.loop?.p99Ms)} ms`, r.everyRecordDelivered ? 'yes' : 'NO'], w));
      }
    }
  }
  for (const [what, why] of Object.entries(summary.skipped)) console.log(`\n${what} skipped: ${why}`);
  console.log('\nMB/s: record data (10^6 bytes/s). ack: each call from send to reply. object: each record from its call\'s send until the object holding it');
  console.log('appeared under its final name in --s3-dir (inotify). CPU in cores of the server: main thread / shard owners / compression pool / other threads');
  console.log('(libuv\'s pool, which does the sink\'s file writes, V8\'s); load: the load generator; others: the rest of the machine (other processes).');
  console.log('loop p99: the server main thread\'s event-loop delay (median of per-second p99s).');
  console.log('"delivered" in feed b counts record bytes in objects that appeared while the ingest ran; catch-up: until the last one appeared after.');
  if (summary.targets.length > 0) {
    console.log('\ntargets:');
    for (const t of summary.targets) {
      const v = t.unit === 'ratio' ? `${f(t.value * 100)}% (≥ ${f(t.target * 100)}%)` : t.unit === 'ms' ? `${f(t.value)} ms (≤ ${f(t.target)} ms)` : `${f(t.value, 1)} MB/s (≥ ${f(t.target, 1)})`;
      console.log(`  ${t.met ? 'met    ' : 'NOT met'} ${t.storage}: ${t.what}: ${v}`);
    }
  }
}
