// The HTML report of `riffle bench`: one self-contained file (uPlot and its CSS inlined from the npm
// package, the results as JSON inside), so it opens from disk in any browser, offline. Charts:
// throughput over time per scenario (records/s in each second), and the latency percentiles per
// scenario (p50, p90, p99 of each request, put → ack); a table with the ratios to kinesalite.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const asset = (path) => readFileSync(fileURLToPath(import.meta.resolve(path)), 'utf8');

/** Text for HTML (and for JSON inside a <script>: no "</script>" can close it early). */
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const scriptJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c');

const fmt = (n, d = 0) => (n === null || n === undefined || Number.isNaN(n) ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));

export function htmlReport(report) {
  const rows = report.results
    .map(
      (r, i) => `<tr data-engine="${escapeHtml(r.engine)}"><td class="n">${i + 1}</td><td>${escapeHtml(r.label)}</td><td>${escapeHtml(r.engine)}</td><td class="n">${fmt(r.recordsPerSec)}</td><td class="n">${fmt(r.megabytesPerSec, 1)}</td>` +
        `<td class="n">${r.ratioVsKinesalite === null || r.ratioVsKinesalite === undefined ? '–' : `${fmt(r.ratioVsKinesalite, 1)}×`}</td><td class="n">${fmt(r.p50Ms, 1)}</td><td class="n">${fmt(r.p90Ms, 1)}</td><td class="n">${fmt(r.p99Ms, 1)}</td>` +
        `<td class="n">${fmt(r.failed)}</td><td class="n">${fmt(r.serverCpuCores, 2)}</td><td class="n">${r.serverRssBytes ? fmt(r.serverRssBytes / 2 ** 20) : '–'}</td></tr>`,
    )
    .join('\n');
  const o = report.options;
  const what = `PutRecords of ${o.batch} × ${o.bytes} B records, ${o.concurrency} in flight, ${o.seconds} s per scenario, ${o.shards} shards${o.keys ? `, keys ${o.keys}` : ''}${report.target ? `, target ${report.target.url}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>riffle bench ${escapeHtml(report.when)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${asset('uplot/dist/uPlot.min.css')}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 2rem; color: #1b1f24; }
h1 { font-size: 1.3rem; } h2 { font-size: 1rem; margin-top: 1.5rem; }
.meta { color: #57606a; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #d0d7de; text-align: left; white-space: nowrap; }
td.n, th.n { text-align: right; }
tr[data-engine="kinesalite"] td { color: #6e7781; }
.chart { margin: .5rem 0 1rem; }
</style></head>
<body>
<h1>riffle bench</h1>
<p class="meta">${escapeHtml(what)}.<br>${escapeHtml(report.when)} · Node ${escapeHtml(report.node)} · load generators and servers as separate processes; p50/p90/p99: each request from send to its reply.</p>
<h2>Results</h2>
<table id="results"><thead><tr><th class="n">#</th><th>scenario</th><th>engine</th><th class="n">records/s</th><th class="n">MB/s</th><th class="n">vs kinesalite</th><th class="n">p50 ms</th><th class="n">p90 ms</th><th class="n">p99 ms</th><th class="n">failed</th><th class="n">server CPU</th><th class="n">RSS MiB</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Throughput over time (records/s in each second)</h2>
<div id="throughput" class="chart"></div>
<h2>Latency percentiles (ms, put → ack)</h2>
<div id="latency" class="chart"></div>
<script>${asset('uplot/dist/uPlot.iife.min.js')}</script>
<script>
const report = ${scriptJson(report)};
const colors = (i, n) => 'hsl(' + Math.round((360 * i) / Math.max(1, n)) + ' 65% 45%)';
const results = report.results;
const seconds = Math.max(1, ...results.map((r) => (r.perSecond || []).length));
const xs = Array.from({ length: seconds }, (_, i) => i + 1);
const width = Math.min(1100, document.body.clientWidth - 40);
new uPlot(
  { width, height: 320, scales: { x: { time: false }, y: { distr: 3 } }, axes: [{ label: 'second of the run' }, { label: 'records/s (log scale)', size: 80 }],
    series: [{ label: 'second' }, ...results.map((r, i) => ({ label: r.label, stroke: colors(i, results.length), width: r.engine === 'kinesalite' ? 1 : 2, dash: r.engine === 'kinesalite' ? [6, 4] : undefined }))] },
  // The last second is partial: its count over the part of it the run lasted.
  [xs, ...results.map((r) => xs.map((_, i) => {
    const n = r.perSecond ? r.perSecond.length : 0;
    if (i >= n) return null;
    const part = i === n - 1 ? (r.elapsedSec || n) - (n - 1) : 1;
    return part > 0.05 ? Math.max(1, r.perSecond[i] / Math.min(1, part)) : null;
  }))],
  document.getElementById('throughput'),
);
const idx = results.map((_, i) => i);
const bars = uPlot.paths.bars({ size: [0.25, 60], align: 0 });
new uPlot(
  { width, height: 320, scales: { x: { time: false, range: [-0.5, results.length - 0.5] }, y: { distr: 3 } },
    axes: [{ values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) && results[t] ? String(t + 1) : '')), label: 'scenario (numbered as in the table)' }, { label: 'ms (log scale)', size: 60 }],
    series: [{ label: 'scenario' },
      { label: 'p50', fill: 'hsl(210 70% 55%)', stroke: 'hsl(210 70% 45%)', paths: uPlot.paths.bars({ size: [0.25, 60], align: -1 }) },
      { label: 'p90', fill: 'hsl(35 85% 55%)', stroke: 'hsl(35 85% 45%)', paths: bars },
      { label: 'p99', fill: 'hsl(0 70% 55%)', stroke: 'hsl(0 70% 45%)', paths: uPlot.paths.bars({ size: [0.25, 60], align: 1 }) }] },
  [idx, results.map((r) => r.p50Ms), results.map((r) => r.p90Ms), results.map((r) => r.p99Ms)],
  document.getElementById('latency'),
);
document.body.setAttribute('data-rendered', 'yes');
</script>
</body></html>
`;
}
