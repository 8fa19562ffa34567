// Riffle's live page. One WebSocket (/dashboard/live) brings a snapshot of every counter each
// second; rates are differences of two snapshots, so a missed frame loses nothing. Charts are uPlot
// (served by Riffle from its npm package). No framework, no build step, no network beyond this server.
'use strict';

const POINTS = 300; // five minutes of history at one frame per second
const $ = (id) => document.getElementById(id);

let previous = null; // the last frame
let selected = null; // the stream whose shards are shown
let chosen = false; // picked by a click (else the busiest stream is shown)
const history = new Map(); // stream name → { t: [], in: Map<shardId, []>, out: Map<shardId, []>, wthr: [], rthr: [] }
const charts = { in: null, out: null, throttle: null, key: '' };

function fmtCount(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return String(Math.round(n));
}
function fmtBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return (u === 0 ? String(Math.round(n)) : n.toFixed(1)) + ' ' + units[u];
}
function fmtAge(ms) {
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
  if (ms < 7200000) return Math.round(ms / 60000) + ' min';
  return (ms / 3600000).toFixed(1) + ' h';
}
function rate(now, before, dtS) {
  return before === undefined || dtS <= 0 ? 0 : Math.max(0, (now - before) / dtS);
}
function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}
function row(cells, attrs) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attrs || {})) tr.setAttribute(k, v);
  for (const c of cells) tr.appendChild(c);
  return tr;
}
function shortKey(k) {
  return k.length > 12 ? k.slice(0, 5) + '…' + k.slice(-4) : k;
}

function streamHistory(name) {
  let h = history.get(name);
  if (!h) history.set(name, (h = { t: [], in: new Map(), out: new Map(), wthr: [], rthr: [] }));
  return h;
}
function push(arr, v) {
  arr.push(v);
  if (arr.length > POINTS) arr.shift();
}
/** Shard series are kept aligned with t: a shard first seen later is padded with nulls. */
function pushShard(map, id, v, len) {
  let arr = map.get(id);
  if (!arr) map.set(id, (arr = new Array(Math.max(0, len - 1)).fill(null)));
  push(arr, v);
}

function record(frame) {
  const dtS = previous ? (frame.nowMs - previous.nowMs) / 1000 : 0;
  const before = new Map((previous ? previous.streams : []).map((s) => [s.name, s]));
  const rates = new Map();
  for (const s of frame.streams) {
    const old = before.get(s.name);
    const oldShards = new Map((old ? old.shards : []).map((sh) => [sh.shardId, sh]));
    const shardRates = new Map();
    for (const sh of s.shards) {
      const o = oldShards.get(sh.shardId);
      shardRates.set(sh.shardId, {
        in: rate(sh.incomingRecords, o && o.incomingRecords, dtS),
        inBytes: rate(sh.incomingBytes, o && o.incomingBytes, dtS),
        out: rate(sh.outgoingRecords, o && o.outgoingRecords, dtS),
      });
    }
    const r = {
      in: rate(s.incomingRecords, old && old.incomingRecords, dtS),
      inBytes: rate(s.incomingBytes, old && old.incomingBytes, dtS),
      wthr: rate(s.writeThrottled, old && old.writeThrottled, dtS),
      rthr: rate(s.readThrottled, old && old.readThrottled, dtS),
      shards: shardRates,
    };
    rates.set(s.name, r);
    if (!previous) continue;
    const h = streamHistory(s.name);
    push(h.t, frame.nowMs / 1000);
    for (const sh of s.shards) {
      pushShard(h.in, sh.shardId, shardRates.get(sh.shardId).in, h.t.length);
      pushShard(h.out, sh.shardId, shardRates.get(sh.shardId).out, h.t.length);
    }
    // A shard gone from the frame (retired) keeps its place on the time axis with gaps.
    for (const [id, arr] of h.in) if (!shardRates.has(id)) push(arr, null);
    for (const [id, arr] of h.out) if (!shardRates.has(id)) push(arr, null);
    push(h.wthr, r.wthr);
    push(h.rthr, r.rthr);
  }
  for (const name of [...history.keys()]) if (!rates.has(name)) history.delete(name);
  return rates;
}

function renderHeader(frame) {
  $('uptime').textContent = fmtAge(frame.process.uptimeSeconds * 1000);
  $('rss').textContent = fmtBytes(frame.process.rssBytes);
  const up = frame.owners.filter((o) => o.up && !o.holding).length;
  $('owners').textContent = `${up}/${frame.owners.length} serving`;
  $('updated').textContent = new Date(frame.nowMs).toLocaleTimeString();
}

function renderStreams(frame, rates) {
  const body = $('streams').tBodies[0];
  body.replaceChildren();
  $('no-streams').hidden = frame.streams.length > 0;
  if (!chosen || !frame.streams.some((s) => s.name === selected)) {
    chosen = false;
    let busiest = null;
    for (const s of frame.streams) if (busiest === null || s.incomingRecords > busiest.incomingRecords) busiest = s;
    if (busiest !== null && busiest.name !== selected) charts.key = '';
    selected = busiest === null ? null : busiest.name;
  }
  for (const s of frame.streams) {
    const r = rates.get(s.name);
    const open = s.shards.filter((sh) => sh.open).length;
    const tr = row(
      [
        cell(s.name),
        cell(s.status),
        cell(s.mode),
        cell(String(open), 'num'),
        cell(fmtCount(s.incomingRecords), 'num incoming-records'),
        cell(fmtCount(r.in), 'num'),
        cell(fmtBytes(r.inBytes) + '/s', 'num'),
        cell(fmtCount(r.wthr + r.rthr), r.wthr + r.rthr > 0 ? 'num hot' : 'num'),
        cell(String(s.consumers.length), 'num'),
      ],
      { 'data-stream': s.name },
    );
    tr.querySelector('.incoming-records').setAttribute('data-value', String(s.incomingRecords));
    if (s.name === selected) tr.className = 'selected';
    tr.addEventListener('click', () => {
      selected = s.name;
      chosen = true;
      charts.key = '';
      render(previous, rates);
    });
    body.appendChild(tr);
  }
}

function renderDetail(frame, rates) {
  const s = frame.streams.find((x) => x.name === selected);
  $('detail').hidden = s === undefined;
  if (s === undefined) return;
  $('detail-name').textContent = s.name;
  const r = rates.get(s.name);
  const body = $('shards').tBodies[0];
  body.replaceChildren();
  for (const sh of s.shards) {
    const sr = r.shards.get(sh.shardId);
    const parents = [sh.parentShardId, sh.adjacentParentShardId].filter(Boolean).join(' + ') || '–';
    body.appendChild(
      row(
        [
          cell(sh.shardId),
          cell(sh.open ? 'open' : 'closed', sh.open ? '' : 'closed'),
          cell(String(sh.owner), 'num'),
          cell(`${shortKey(sh.startingHashKey)} – ${shortKey(sh.endingHashKey)}`),
          cell(parents),
          cell(fmtCount(sh.incomingRecords), 'num'),
          cell(fmtCount(sr.in), 'num'),
          cell(fmtCount(sr.out), 'num'),
          cell(fmtCount(sh.writeThrottled), sh.writeThrottled > 0 ? 'num hot' : 'num'),
          cell(fmtCount(sh.readThrottled), sh.readThrottled > 0 ? 'num hot' : 'num'),
          cell(fmtAge(sh.iteratorAgeMs), 'num'),
        ],
        { 'data-shard': sh.shardId, class: sh.open ? '' : 'closed' },
      ),
    );
  }
  const cbody = $('consumers').tBodies[0];
  cbody.replaceChildren();
  for (const c of s.consumers) {
    const lag = c.sessions.length === 0 ? 'no open subscription' : c.sessions.map((x) => `${x.shardId.slice(-3)}: ${fmtAge(x.millisBehindLatest)}`).join(', ');
    cbody.appendChild(row([cell(c.name), cell(c.status), cell(fmtCount(c.events), 'num'), cell(fmtCount(c.records), 'num'), cell(lag)], { 'data-consumer': c.name }));
  }
  renderCharts(s);
}

function chartOpts(title, seriesNames) {
  const width = Math.max(320, Math.min(560, Math.floor((document.body.clientWidth - 64) / 3)));
  return {
    width,
    height: 180,
    legend: { show: seriesNames.length <= 8 },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    series: [{}, ...seriesNames.map((name, i) => ({ label: name, stroke: `hsl(${(i * 67) % 360} 70% 50%)`, width: 1.5, spanGaps: false }))],
    axes: [{}, { size: 56 }],
  };
}

function renderCharts(s) {
  const h = history.get(s.name);
  if (!h || h.t.length === 0) return;
  const ids = [...h.in.keys()];
  const key = s.name + '|' + ids.join(',');
  if (charts.key !== key) {
    for (const c of [charts.in, charts.out, charts.throttle]) if (c) c.destroy();
    const labels = ids.map((id) => id.replace('shardId-', '').replace(/^0+(?=\d)/, ''));
    charts.in = new uPlot(chartOpts('in', labels), [h.t, ...ids.map((id) => h.in.get(id))], $('chart-in'));
    charts.out = new uPlot(chartOpts('out', labels), [h.t, ...ids.map((id) => h.out.get(id))], $('chart-out'));
    charts.throttle = new uPlot(chartOpts('throttled', ['writes', 'reads']), [h.t, h.wthr, h.rthr], $('chart-throttle'));
    charts.key = key;
    return;
  }
  charts.in.setData([h.t, ...ids.map((id) => h.in.get(id))]);
  charts.out.setData([h.t, ...ids.map((id) => h.out.get(id))]);
  charts.throttle.setData([h.t, h.wthr, h.rthr]);
}

function renderDeliveries(frame) {
  const body = $('deliveries').tBodies[0];
  body.replaceChildren();
  $('no-deliveries').hidden = frame.deliveryStreams.length > 0;
  for (const d of frame.deliveryStreams) {
    const fill = d.bufferBytes > 0 ? Math.min(1, d.bufferedBytes / d.bufferBytes) : 0;
    const buffer = document.createElement('td');
    const bar = document.createElement('span');
    bar.className = 'bar';
    const inner = document.createElement('span');
    inner.style.width = (fill * 100).toFixed(1) + '%';
    bar.appendChild(inner);
    buffer.appendChild(bar);
    buffer.appendChild(document.createTextNode(` ${fmtBytes(d.bufferedBytes)} / ${fmtBytes(d.bufferBytes)} (${fmtCount(d.bufferedRecords)} rec, ${d.intervalSeconds} s${d.activePartitions > 0 ? `, ${fmtCount(d.activePartitions)} partitions` : ''})`));
    const last = d.lastDeliveryMs > 0 ? fmtAge(Math.max(0, frame.nowMs - d.lastDeliveryMs)) + ' ago' : 'none yet';
    const t = d.transform;
    const transform = cell(
      t.invocations === 0 ? '–' : `${fmtCount(t.invocations)} calls${t.succeeded < t.invocations ? ` (${fmtCount(t.invocations - t.succeeded)} failed)` : ''}, ${fmtCount(t.okRecords)} rec Ok, ${t.meanMs.toFixed(1)} ms`,
      'num transform',
    );
    transform.setAttribute('data-value', String(t.okRecords));
    body.appendChild(
      row(
        [
          cell(d.name),
          cell(d.status),
          cell(d.type === 'KinesisStreamAsSource' ? 'Kinesis stream' : 'Direct PUT'),
          cell(fmtCount(d.incomingRecords), 'num'),
          buffer,
          transform,
          cell(fmtCount(d.deliveredRecords) + ' rec', 'num'),
          cell(fmtCount(d.objects) + (d.failedPuts > 0 ? ` (${fmtCount(d.failedPuts)} failed puts)` : ''), 'num'),
          cell(last),
          cell(d.dataFreshnessSeconds > 0 ? fmtAge(d.dataFreshnessSeconds * 1000) : '–', 'num'),
        ],
        { 'data-delivery-stream': d.name },
      ),
    );
  }
}

function render(frame, rates) {
  renderHeader(frame);
  renderStreams(frame, rates);
  renderDetail(frame, rates);
  renderDeliveries(frame);
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/dashboard/live`);
  ws.onopen = () => {
    $('conn').textContent = 'live';
    $('conn').className = 'badge on';
  };
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    const rates = record(frame);
    previous = frame;
    render(frame, rates);
    document.body.setAttribute('data-frames', String(Number(document.body.getAttribute('data-frames') || 0) + 1));
  };
  ws.onclose = () => {
    $('conn').textContent = 'reconnecting';
    $('conn').className = 'badge off';
    setTimeout(connect, 1000);
  };
}
connect();
