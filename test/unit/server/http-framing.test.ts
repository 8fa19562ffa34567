// FramingCheck against the parser it stands in for: node's own (llhttp, as node:http runs it), on
// seeded random header sets of the kinds µWS hands to the adapter (values trimmed, as µWS gives
// them; no Content-Length with Transfer-Encoding and no Content-Length of 2^32 or more, which µWS
// closes itself). Time-boxed, like the other property tests.
import http, { maxHeaderSize } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FramingCheck } from '../../../src/server/http-framing.js';
import { prng } from '../prng.js';

const TIME_BOX_MS = 8_000;
const CASES_MAX = 2_000;

let server: http.Server;
let port = 0;
beforeAll(async () => {
  // Answers once a request's body is in (node checks the Transfer-Encoding after it emits the
  // request): served means 200, refused is node's 400 or 431.
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** node's verdict on a request: its status, or undefined when it served it. */
function nodeVerdict(request: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m === null) return;
      socket.destroy();
      resolve(m[1] === '200' ? undefined : Number(m[1]));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed without a status: ${JSON.stringify(got)}`)));
    socket.write(request, 'latin1');
  });
}

const CODINGS = ['chunked', 'Chunked', 'gzip', 'identity', '', 'x y', 'chunked;q=1', 'deflate'];
const SEPARATORS = [',', ', ', ' ,', ',,'];
const LENGTHS = ['0', '2', '00', '0010', '', 'abc', '-1', '+2', '1,2', '1 2'];

interface Case {
  path: string;
  query: string;
  headers: Array<[string, string]>;
}

function generate(random: () => number): Case {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const path = pick(['/', '/a/b', '/x%20y']);
  const query = pick(['', 'a=1', 'list-type=2&prefix=p']);
  const headers: Array<[string, string]> = [['host', '127.0.0.1']];
  const framing = random();
  if (framing < 0.45) {
    for (let n = 1 + Math.floor(random() * 2); n > 0; n--) {
      const elements = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(CODINGS));
      headers.push(['transfer-encoding', elements.map((e, i) => (i === 0 ? e : pick(SEPARATORS) + e)).join('').trim()]);
    }
  } else if (framing < 0.9) {
    for (let n = 1 + Math.floor(random() * 2); n > 0; n--) headers.push(['content-length', pick(LENGTHS)]);
  }
  // Half the cases have a block near node's limit, a few bytes either side of it.
  if (random() < 0.5) {
    const used = Buffer.byteLength(path) + (query === '' ? 0 : 1 + query.length) + headers.reduce((n, [k, v]) => n + k.length + v.length, 0);
    const pad = maxHeaderSize - used - 'x-pad'.length + Math.floor(random() * 7) - 3;
    headers.splice(Math.floor(random() * (headers.length + 1)), 0, ['x-pad', 'p'.repeat(Math.max(1, pad))]);
  }
  return { path, query, headers };
}

/** The request with a body its framing would read, should node serve it. */
function render(c: Case): string {
  const target = c.query === '' ? c.path : `${c.path}?${c.query}`;
  const length = c.headers.find(([k]) => k === 'content-length')?.[1] ?? '';
  const body = c.headers.some(([k]) => k === 'transfer-encoding') ? '0\r\n\r\n' : 'x'.repeat(/^\d+$/.test(length) ? Number(length) : 0);
  return `POST ${target} HTTP/1.1\r\n${c.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}

/** The case as a failure shows it: the padding as its length. */
function describeCase(c: Case): string {
  return [`${c.path}?${c.query}`, ...c.headers.map(([k, v]) => `${k}: ${k === 'x-pad' ? `<${v.length} bytes>` : JSON.stringify(v)}`)].join(' | ');
}

function check(c: Case): number | undefined {
  const framing = new FramingCheck(c.path, c.query);
  for (const [name, value] of c.headers) framing.header(name, value);
  return framing.fault();
}

describe('FramingCheck', () => {
  it('refuses exactly what node refuses, with node’s status', async () => {
    const random = prng(0x14f4a);
    const started = Date.now();
    const seen = new Set<number | undefined>();
    let cases = 0;
    for (; cases < CASES_MAX && Date.now() - started < TIME_BOX_MS; cases++) {
      const c = generate(random);
      const expected = await nodeVerdict(render(c));
      seen.add(expected);
      const request = describeCase(c);
      expect({ request, fault: check(c) }).toEqual({ request, fault: expected });
    }
    // The generator reaches every verdict, or the comparison proves little.
    expect([...seen].sort()).toEqual([400, 431, undefined]);
    expect(cases).toBeGreaterThan(100);
  });
});
