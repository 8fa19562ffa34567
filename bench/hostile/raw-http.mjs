// Broken HTTP/1.1 on raw sockets, for what node:http's client refuses to send: bad header names
// and values, smuggling shapes, bad chunking, odd request lines, protocol confusion. Each case is
// sent on a fresh connection and read until the server answers, closes, or the time limit passes.
import net from 'node:net';

export const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDHOSTILE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';
const TARGET = 'x-amz-target: Kinesis_20131202.DescribeStreamSummary';
const CT = 'content-type: application/x-amz-json-1.1';
const BODY = '{"StreamName":"fuzz"}';

const req = (host, lines, body = BODY) => [`POST / HTTP/1.1`, `host: ${host}`, CT, TARGET, `authorization: ${AUTH}`, 'x-amz-date: 20260101T000000Z', ...lines].join('\r\n') + '\r\n\r\n' + body;
const cl = (body = BODY) => `content-length: ${Buffer.byteLength(body)}`;

/**
 * [name, (r, host) => bytes, complete]: complete cases are whole requests (or garbage), which must be
 * answered or closed in good time; incomplete ones are expected to wait for their deadline.
 */
export const RAW_CASES = [
  ['header name with a space', (r, h) => req(h, ['bad header: x', cl()]), true],
  ['header line without a colon', (r, h) => req(h, ['nocolonhere', cl()]), true],
  ['NUL and CR in a header value', (r, h) => req(h, ['x-v: a\u0000b\rc', cl()]), true],
  ['100 KB header', (r, h) => req(h, [`x-big: ${'a'.repeat(100_000)}`, cl()]), true],
  ['5,000 headers', (r, h) => req(h, [...Array.from({ length: 5000 }, (_, i) => `x-h${i}: ${i}`), cl()]), true],
  ['two different Content-Lengths', (r, h) => req(h, ['content-length: 5', cl()]), true],
  ['Content-Length and chunked (smuggling)', (r, h) => req(h, [cl('0\r\n\r\nGET /smuggled HTTP/1.1\r\nhost: x\r\n\r\n'), 'transfer-encoding: chunked'], '0\r\n\r\nGET /smuggled HTTP/1.1\r\nhost: x\r\n\r\n'), true],
  ['bad chunk size', (r, h) => req(h, ['transfer-encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n'), true],
  ['chunk size past 2^64', (r, h) => req(h, ['transfer-encoding: chunked'], 'fffffffffffffffffff\r\nabc\r\n0\r\n\r\n'), true],
  ['chunk extension flood', (r, h) => req(h, ['transfer-encoding: chunked'], `1;${'a=b;'.repeat(20_000)}\r\nx\r\n0\r\n\r\n`), true],
  ['negative Content-Length', (r, h) => req(h, ['content-length: -1']), true],
  ['Content-Length 1e20', (r, h) => req(h, ['content-length: 100000000000000000000']), true],
  ['Content-Length 17 MiB', (r, h) => req(h, [`content-length: ${17 * 1024 * 1024}`]), false],
  ['Content-Length with a plus sign', (r, h) => req(h, [`content-length: +${BODY.length}`]), true],
  ['Content-Length: 1, 1', (r, h) => req(h, ['content-length: 21, 21']), true],
  ['space before the colon', (r, h) => req(h, [`content-length : ${BODY.length}`]), true],
  ['obs-fold continuation', (r, h) => req(h, ['x-fold: a', ' b', cl()]), true],
  ['bare LF line endings', (r, h) => req(h, [cl()]).replace(/\r\n/g, '\n'), true],
  ['HTTP/1.0 without Host', (r, h) => `POST / HTTP/1.0\r\n${CT}\r\n${TARGET}\r\nauthorization: ${AUTH}\r\n${cl()}\r\n\r\n${BODY}`, true],
  ['HTTP/2.0 in a request line', (r, h) => req(h, [cl()]).replace('HTTP/1.1', 'HTTP/2.0'), true],
  ['HTTP/9.9', (r, h) => req(h, [cl()]).replace('HTTP/1.1', 'HTTP/9.9'), true],
  ['absolute-form target', (r, h) => req(h, [cl()]).replace('POST / ', `POST http://${h}/ `), true],
  ['100 KB target', (r, h) => req(h, [cl()]).replace('POST / ', `POST /${'a'.repeat(100_000)} `), true],
  ['odd method characters', (r, h) => req(h, [cl()]).replace('POST', 'P{S}T'), true],
  ['lower-case method', (r, h) => req(h, [cl()]).replace('POST', 'post'), true],
  ['three spaces in the request line', (r, h) => req(h, [cl()]).replace('POST / HTTP', 'POST  /  HTTP'), true],
  ['no Host', (r, h) => req(h, [cl()]).replace(`host: ${h}\r\n`, ''), true],
  ['two Hosts', (r, h) => req(h, ['host: evil.example', cl()]), true],
  ['Expect: 100-continue', (r, h) => req(h, ['expect: 100-continue', cl()]), true],
  ['Expect: something else', (r, h) => req(h, ['expect: 200-ok', cl()]), true],
  ['Upgrade: h2c', (r, h) => req(h, ['connection: Upgrade, HTTP2-Settings', 'upgrade: h2c', 'http2-settings: AAMAAABkAARAAAAAAAIAAAAA', cl()]), true],
  ['WebSocket upgrade (bad key)', (r, h) => `GET /ingest HTTP/1.1\r\nhost: ${h}\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: x\r\n\r\n`, true],
  ['WebSocket upgrade to an unknown path', (r, h) => `GET /push HTTP/1.1\r\nhost: ${h}\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, true],
  ['20 pipelined requests', (r, h) => Array.from({ length: 20 }, () => req(h, [cl()])).join(''), true],
  ['a request, then garbage', (r, h) => req(h, [cl()]) + r.bytes(200).toString('latin1'), true],
  ['CONNECT', (r, h) => `CONNECT ${h} HTTP/1.1\r\nhost: ${h}\r\n\r\n`, true],
  ['TLS ClientHello on cleartext', (r) => Buffer.concat([Buffer.from('160301020001', 'hex'), r.bytes(300)]), true],
  ['the HTTP/2 preface, then garbage', (r) => Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), r.bytes(200)]), true],
  ['half an HTTP/2 preface, then HTTP/1.1', (r, h) => 'PRI * HTTP/2.0\r\n\r\n' + req(h, [cl()]), true],
  ['random bytes', (r) => r.bytes(1 + r.int(4096)), true],
  ['10,000 empty lines (no request yet)', () => '\r\n'.repeat(10_000), false],
  ['Transfer-Encoding: gzip, chunked', (r, h) => req(h, ['transfer-encoding: gzip, chunked'], '0\r\n\r\n'), true],
  ['Transfer-Encoding: identity', (r, h) => req(h, ['transfer-encoding: identity', cl()]), true],
  ['UTF-8 in a header name', (r, h) => req(h, ['x-é: 1', cl()]), true],
  ['Content-Encoding: gzip (body is not)', (r, h) => req(h, ['content-encoding: gzip', cl()]), true],
  ['body shorter than its length', (r, h) => req(h, ['content-length: 100']), false],
  ['chunked body that never ends', (r, h) => req(h, ['transfer-encoding: chunked'], '5\r\nhello\r\n'), false],
];

/** Once something came back, the answer is taken as whole when nothing more comes for this long. */
const QUIET_AFTER_ANSWER_MS = 300;

/**
 * Sends `bytes` on a new connection and reads until close, `timeoutMs`, or a quiet spell after an
 * answer. Resolves
 * { status (first response's, or null), statuses (every status line seen), closed, bytes, head }.
 */
export function sendRaw(port, bytes, timeoutMs, track) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    track?.(socket);
    let got = Buffer.alloc(0);
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(quiet);
      socket.destroy();
      const text = got.toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ status: statuses[0] ?? null, statuses, closed, bytes: got.length, head: text.slice(0, 600) });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    let quiet = null;
    socket.on('data', (d) => {
      if (got.length < 1 << 20) got = Buffer.concat([got, d]);
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(false), QUIET_AFTER_ANSWER_MS);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/** A well-formed AWS JSON 1.1 request on its own connection (connection: close), as raw bytes. */
export function validRequest(host, target, body) {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nhost: ${host}\r\n${CT}\r\nx-amz-target: ${target}\r\nauthorization: ${AUTH}\r\nx-amz-date: 20260101T000000Z\r\ncontent-length: ${b.length}\r\nconnection: close\r\n\r\n`), b]);
}
