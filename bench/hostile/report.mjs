// The hostile run's report: one row per phase with the figures the issue asks for, the targets
// each met, the findings gathered from every phase, and a summary table for people.
import { HANG_MS } from './normal.mjs';
import { RSS_BACK_FACTOR } from './measure.mjs';

const MB = (b) => (b === null || b === undefined ? null : Math.round(b / 1e5) / 10);
/** Server log lines that mean something went wrong inside (not a client's fault). */
const LOG_FAULT = /TypeError|RangeError|ReferenceError|SyntaxError|Unhandled|uncaught|internal failure|failed|EMFILE|ENFILE|Error:/i;
const WRITE_RECOVERY_TARGET_MS = 1000;

/** The attackers' 5xx (the body budget's 503 apart) as each phase's result counts them. */
function attackers5xx(result) {
  return (result.status5xx ?? 0) + (result.internalFailures ?? 0);
}

function row(p, normal) {
  const n = normal.summary(p.window[0], p.window[1]);
  const res = p.result;
  const rssBack = p.server.rssAfterBytes == null || p.server.rssBeforeBytes == null ? null : p.server.rssAfterBytes <= p.server.rssBeforeBytes * RSS_BACK_FACTOR;
  const fault = p.log.filter((l) => LOG_FAULT.test(l.line));
  const recovery = res.writesWorkingAgainMs;
  const out = {
    name: p.name,
    startedAt: new Date(p.window[0]).toISOString(),
    seconds: p.seconds,
    requests: res.requests ?? 0,
    crashes: p.server.crashed ? 1 : 0,
    serverExit: p.server.exit ?? null,
    normalClientHangs: n.all.hangs,
    status5xx: { total: attackers5xx(res) + n.all.status5xx, attackers: attackers5xx(res), normalClient: n.all.status5xx },
    budget503: { attackers: res.budget503 ?? 0, normalClient: n.all.budget503 },
    normalClient: n,
    rss: {
      beforeMB: MB(p.server.rssBeforeBytes),
      peakMB: MB(p.server.rssPeakBytes),
      afterMB: MB(p.server.rssAfterBytes),
      afterVsBefore: rssBack === null ? null : Math.round((p.server.rssAfterBytes / p.server.rssBeforeBytes) * 100) / 100,
      settleMs: p.server.settleMs ?? null,
      settledBy: p.server.settledBy ?? null,
    },
    serverLog: { lines: p.log.length, faultLines: fault.length, first: fault.slice(0, 8).map((l) => l.line.slice(0, 300)) },
    targets: {
      noCrash: !p.server.crashed,
      noNormalCallOver1s: n.all.hangs === 0,
      no5xx: attackers5xx(res) + n.all.status5xx === 0,
      rssBackWithin10Percent: p.name === 'baseline' ? null : rssBack,
      ...(recovery === undefined ? {} : { writesWithin1sOfDescriptorsFree: Object.values(recovery).every((v) => typeof v === 'number' && v <= WRITE_RECOVERY_TARGET_MS) }),
    },
    details: res,
  };
  // Attacks run one after another inside a phase (h2-abuse): the normal client during each.
  for (const a of Object.values(res.attacks ?? {})) {
    if (a.window === undefined) continue;
    const m = normal.summary(a.window[0], a.window[1]).all;
    a.normalClient = { calls: m.calls, hangs: m.hangs, p50Ms: m.p50Ms, p99Ms: m.p99Ms, maxMs: m.maxMs };
    delete a.window;
  }
  return out;
}

function findingsOf(rows) {
  const out = [];
  for (const r of rows) {
    const add = (kind, detail) => out.push({ phase: r.name, kind, detail });
    if (r.crashes > 0) add('server crashed', r.serverExit);
    if (r.normalClientHangs > 0) add(`normal client calls over ${HANG_MS} ms`, { hangs: r.normalClientHangs, maxMs: r.normalClient.all.maxMs, errors: r.normalClient.all.errors });
    if (r.status5xx.normalClient > 0) add('normal client got 5xx', r.normalClient.all.errors);
    else if (r.normalClient.all.calls > r.normalClient.all.ok + r.budget503.normalClient) add('normal client calls failed', { awsPortH2: r.normalClient.awsPortH2.errors, streamPortH1: r.normalClient.streamPortH1.errors });
    for (const f of r.details.findings ?? []) add(f.kind, f);
    if (r.targets.rssBackWithin10Percent === false) add('RSS not back within 10%', r.rss);
    if (r.targets.writesWithin1sOfDescriptorsFree === false) add('writes not back within 1 s of descriptors becoming free', r.details.writesWorkingAgainMs);
    if (r.serverLog.faultLines > 0) add('server logged faults', r.serverLog.first);
    for (const f of r.details.serverLogDuring ?? []) if (/failed|EMFILE/.test(f)) add('server log while descriptors were exhausted', f);
  }
  return out;
}

function table(rows) {
  const f = (v) => (v === null || v === undefined ? '-' : String(v));
  const head = ['phase', 's', 'requests', 'crash', 'hangs', '5xx', '503 budget', 'normal errors', 'normal p50/p99/max ms', 'RSS MB before/peak/after', 'targets'];
  const lines = rows.map((r) => {
    const missed = Object.entries(r.targets).filter(([, v]) => v === false).map(([k]) => k);
    return [r.name, r.seconds.toFixed(1), f(r.requests), f(r.crashes), f(r.normalClientHangs), f(r.status5xx.total), f(r.budget503.attackers + r.budget503.normalClient), f(r.normalClient.all.calls - r.normalClient.all.ok), `${f(r.normalClient.all.p50Ms)}/${f(r.normalClient.all.p99Ms)}/${f(r.normalClient.all.maxMs)}`, `${f(r.rss.beforeMB)}/${f(r.rss.peakMB)}/${f(r.rss.afterMB)}`, missed.length === 0 ? 'met' : `missed: ${missed.join(', ')}`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [head, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

export function summarize({ opt, phases, normal, startedMs, mainServerLog }) {
  const rows = phases.map((p) => row(p, normal));
  const findings = findingsOf(rows);
  const totals = {
    requests: rows.reduce((n, r) => n + r.requests, 0),
    crashes: rows.reduce((n, r) => n + r.crashes, 0),
    normalClientHangs: rows.reduce((n, r) => n + r.normalClientHangs, 0),
    status5xx: rows.reduce((n, r) => n + r.status5xx.total, 0),
    budget503: rows.reduce((n, r) => n + r.budget503.attackers + r.budget503.normalClient, 0),
  };
  const date = new Date().toISOString();
  const fd = rows.find((r) => r.name === 'fd-exhaustion')?.details.writesWorkingAgainMs;
  const summaryText = [
    `hostile run: ${((Date.now() - startedMs) / 1000).toFixed(0)} s, ${totals.requests} requests tried, ${totals.crashes} crashes, ${totals.normalClientHangs} normal calls over 1 s, ${totals.status5xx} 5xx, ${totals.budget503} body-budget 503s`,
    table(rows),
    ...(fd === undefined ? [] : [`writes after descriptors freed: ${Object.entries(fd).map(([k, v]) => `${k} ${typeof v === 'number' ? `${v} ms` : `not within ${v.notWithinMs} ms (last answer ${v.lastAnswer})`}`).join(', ')}`]),
    `findings: ${findings.length}${findings.length === 0 ? '' : ` (${[...new Set(findings.map((f) => `${f.phase}: ${f.kind}`))].slice(0, 12).join('; ')})`}`,
  ].join('\n');
  return { date, options: opt, totals, phases: rows, findings, mainServerLogFaults: mainServerLog.filter((l) => LOG_FAULT.test(l.line)).slice(0, 20).map((l) => l.line.slice(0, 300)), summaryText };
}
