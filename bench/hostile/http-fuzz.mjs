// Phase 2: fuzzed HTTP requests on both ports. AWS port: node:http (HTTP/1.1 keep-alive) and h2c
// (node:http2); stream port: HTTP/1.1 to µWS; both: broken requests on raw sockets (raw-http.mjs)
// and S3-signed requests (paths that climb out, odd ranges and queries). Bodies from cases.mjs.
// Any 5xx but the body budget's 503 is a finding and is kept with the request that caused it; so
// is a complete request that got no answer, and an S3 answer that shows a file from outside.
import http from 'node:http';
import { fuzzCase } from './cases.mjs';
import { h1Request, h2Request, h2Sessions, isBudget503 } from './clients.mjs';
import { AUTH, RAW_CASES, sendRaw } from './raw-http.mjs';
import { harmless } from './templates.mjs';

const TIMEOUT_MS = 10_000;
const RAW_TIMEOUT_MS = 3_000;
const FINDINGS_KEPT = 25;
const SLOWEST_KEPT = 8;
const METHODS = ['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'M-SEARCH', 'BREW'];
const PATHS = ['/?x=1', '//', '/a/b/c', '/%00', '/%ZZ', `/${'a'.repeat(10_000)}`, `/?${'a=b&'.repeat(2000)}`, '/ingest', '/subscribe', '/..%2f..%2f', '/fuzz-bucket'];
const S3_AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDHOSTILE/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';
const S3_QUERIES = ['', 'list-type=2', 'list-type=2&prefix=../&delimiter=/', 'list-type=2&max-keys=-1', 'max-keys=99999999999', 'list-type=2&continuation-token=%ff%fe', `marker=${'a'.repeat(5000)}`, 'location', 'uploads', 'acl', 'list-type=2&start-after=%00',
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDHOSTILE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=-1&X-Amz-SignedHeaders=host&X-Amz-Signature=0'];
const RANGES = ['bytes=0-', 'bytes=-1', 'bytes=99999999999999-', 'bytes=5-1', 'bytes=0-1,2-3', 'bytes=abc', 'bytes=-0', 'items=0-1', `bytes=${'9'.repeat(400)}-`];

function s3Paths(ctx) {
  const key = ctx.s3Key ?? 'none';
  return ['/', '/fuzz-bucket', '/fuzz-bucket/', `/fuzz-bucket/${key}`, '/../../../../etc/passwd', '/fuzz-bucket/../../../../etc/passwd', '/fuzz-bucket/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/fuzz-bucket/.riffle-meta/x', `/fuzz-bucket/${key}/../../../../../../etc/passwd`, `/fuzz-bucket/${'a'.repeat(2000)}`, '/fuzz-bucket/%00', '/fuzz-bucket/%ff%fe',
    `/x/${'../'.repeat(50)}etc/passwd`, '//etc/passwd', '/fuzz-bucket//', '/..', '/.', '/fuzz-bucket/..%5c..%5c..%5cetc%5cpasswd'];
}

/** Headers of a JSON-service request, now and then broken in one place. */
function headersFor(r, c, port) {
  const h = { 'content-type': c.contentType, 'x-amz-target': c.target, authorization: AUTH, 'x-amz-date': '20260101T000000Z' };
  if (r.chance(0.85)) return h;
  switch (r.int(10)) {
    case 0:
      delete h['content-type'];
      break;
    case 1:
      h['content-type'] = r.pick(['application/json', 'text/plain', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1; charset=utf-16', 'application/cbor', 'multipart/form-data; boundary=x', '*/*']);
      break;
    case 2:
      delete h['x-amz-target'];
      break;
    case 3:
      h.authorization = r.pick(['', 'garbage', 'AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 Credential=', `${AUTH}, ${AUTH}`, 'Bearer x', S3_AUTH]);
      break;
    case 4:
      delete h.authorization;
      break;
    case 5:
      h['x-amz-date'] = r.pick(['', 'yesterday', '99999999T999999Z', '20260101']);
      break;
    case 6:
      h.origin = r.pick(['http://evil.example', 'null', `http://127.0.0.1:${port}`, 'file://']);
      break;
    case 7:
      h.host = r.pick(['evil.example', 'localhost', '[::1]', '127.0.0.1:1', 'a'.repeat(300)]);
      break;
    case 8:
      h['x-amz-content-sha256'] = r.pick(['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x', '0'.repeat(64)]);
      break;
    default:
      h['content-encoding'] = r.pick(['gzip', 'br', 'aws-chunked', 'identity']);
  }
  return h;
}

function s3Request(r, ctx) {
  const paths = s3Paths(ctx);
  const q = r.pick(S3_QUERIES);
  const path = r.pick(paths) + (q === '' ? '' : `?${q}`);
  const headers = { authorization: S3_AUTH, 'x-amz-date': '20260101T000000Z', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  if (r.chance(0.4)) headers.range = r.pick(RANGES);
  if (r.chance(0.2)) headers[r.pick(['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'])] = r.pick(['*', '"x"', 'yesterday', 'Thu, 01 Jan 1970 00:00:00 GMT']);
  return { method: r.chance(0.8) ? r.pick(['GET', 'HEAD']) : r.pick(['PUT', 'DELETE', 'POST']), path, headers, body: Buffer.alloc(0), how: 's3' };
}

const preview = (buf) => (buf.length <= 4096 ? { bodyBase64: buf.toString('base64') } : { bodyPreview: buf.subarray(0, 300).toString('latin1'), bodyBytes: buf.length });

export async function httpFuzz({ server, r, deadline, maxRequests, concurrency, ctx, track, protectedNames }) {
  const byTransport = {};
  const count = (transport, key) => {
    const t = (byTransport[transport] ??= {});
    t[key] = (t[key] ?? 0) + 1;
  };
  const findings = [];
  let fivexx = 0;
  let budget503 = 0;
  let unanswered = 0;
  const unansweredRaw = {};
  let notImplemented = 0;
  let tried = 0;
  const resets = []; // requests whose connection or stream ended without an answer: the first few
  const note = (kind, transport, request, outcome) => {
    if (findings.length < FINDINGS_KEPT) findings.push({ kind, transport, ...request, ...outcome });
  };
  const agents = { aws: new http.Agent({ keepAlive: true, maxSockets: concurrency }), stream: new http.Agent({ keepAlive: true, maxSockets: concurrency }) };
  for (const a of Object.values(agents)) a.on('free', (s) => track(s));
  const h2 = h2Sessions(server.port, track);

  /** A broken request on a raw socket (their own workers: µWS leaves many unanswered until its timeout). */
  const onceRaw = async () => {
    const [name, make, complete] = r.pick(RAW_CASES);
    const port = r.chance(0.5) ? server.port : server.streamPort;
    const transport = port === server.port ? 'aws-raw' : 'stream-raw';
    const bytes = make(r, `127.0.0.1:${port}`);
    const out = await sendRaw(port, bytes, RAW_TIMEOUT_MS, track);
    count(transport, out.status ?? (out.closed ? 'closed' : 'open'));
    for (const s of out.statuses) if (s >= 500) fivexx++, note('5xx', transport, { rawCase: name }, { status: s, response: out.head });
    // µWS leaves many malformed requests unanswered until its own timeout closes them: counted by case, not a hang.
    if (complete && !out.closed && out.status === null) unansweredRaw[`${transport}: ${name}`] = (unansweredRaw[`${transport}: ${name}`] ?? 0) + 1;
    return out.status === null ? undefined : [transport, name];
  };

  const once = async () => {
    const pick = r.next();
    const transport = pick < 0.3 ? 'aws-h1' : pick < 0.55 ? 'aws-h2' : 'stream-h1';
    const port = transport === 'stream-h1' ? server.streamPort : server.port;
    let request;
    if (r.chance(0.06)) request = s3Request(r, ctx);
    else {
      const c = fuzzCase(r, ctx);
      if (!harmless(c.body, protectedNames)) return;
      const method = r.chance(0.92) ? 'POST' : r.pick(METHODS);
      request = { method, path: r.chance(0.92) ? '/' : r.pick(PATHS), headers: headersFor(r, c, port), body: c.body, how: c.how, op: `${c.service}.${c.op}` };
    }
    const out =
      transport === 'aws-h2'
        ? await h2Request(h2, request.method, request.path, request.headers, request.body, TIMEOUT_MS)
        : await h1Request(port, transport === 'aws-h1' ? agents.aws : agents.stream, request.method, request.path, request.headers, request.body, TIMEOUT_MS);
    const shown = { method: request.method, path: request.path.slice(0, 200), headers: request.headers, how: request.how, op: request.op, ...preview(request.body) };
    if (out.notSent !== undefined) return count(transport, `notSent:${out.notSent}`);
    if (out.timeout) return count(transport, 'timeout'), unanswered++, note('unanswered', transport, shown, {});
    if (out.error !== undefined) {
      count(transport, `error:${out.error}`);
      if (resets.length < 10 || (transport === "aws-h2" && resets.length < 40)) resets.push({ transport, error: out.error, ...shown });
      return;
    }
    count(transport, out.status);
    if (out.status >= 500) {
      if (isBudget503(out.status, out.body)) budget503++;
      // S3 answers 501 NotImplemented for features it lacks (?acl, ?uploads); AWS's S3 does the same.
      else if (out.status === 501 && request.how === 's3' && (request.method === 'HEAD' || out.body.includes('<Code>NotImplemented</Code>'))) notImplemented++;
      else fivexx++, note('5xx', transport, shown, { status: out.status, response: out.body.slice(0, 600) });
    }
    const what = [transport, `${request.method} ${request.op ?? request.path.slice(0, 60)} ${request.how} ${request.body.length} B`];
    if (request.how === 's3' && /root:.*:0:0:/.test(out.body)) note('s3 served a file from outside its directory', transport, shown, { status: out.status, response: out.body.slice(0, 200) });
    return what;
  };

  const slowest = []; // the slowest answered requests: [ms, transport, what]
  const worker = (one) => async () => {
    while (Date.now() < deadline && tried < maxRequests) {
      tried++;
      const t0 = performance.now();
      const what = await one();
      const ms = performance.now() - t0;
      if (what !== undefined && (slowest.length < SLOWEST_KEPT || ms > slowest.at(-1)[0])) {
        slowest.push([Math.round(ms), ...what]);
        slowest.sort((a, b) => b[0] - a[0]);
        slowest.length = Math.min(slowest.length, SLOWEST_KEPT);
      }
    }
  };
  const rawWorkers = Math.max(2, Math.ceil(concurrency / 4));
  await Promise.all([...Array.from({ length: concurrency }, worker(once)), ...Array.from({ length: rawWorkers }, worker(onceRaw))]);
  for (const a of Object.values(agents)) a.destroy();
  h2.close();
  return { requests: tried, status5xx: fivexx, budget503, s3NotImplemented501: notImplemented, unanswered, malformedLeftUnansweredFor3s: unansweredRaw, byTransport, findings, resetExamples: resets, slowest };
}
