// An HTTP endpoint for the Firehose tests, as a service fed by Firehose would be (shared by the
// HTTP endpoint and transform tests).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  requestId: string;
  timestamp: number;
  records: string[];
}

/**
 * A receiver in the test, as a service fed by Firehose would be: it checks nothing itself but
 * records every request; `answer` says what it does next (200 as the spec asks, a status, or a
 * wrong body).
 */
export function receiver() {
  const seen: Seen[] = [];
  let answer: 'ok' | number | 'wrong-id' = 'ok';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const body = JSON.parse(raw.toString()) as { requestId: string; timestamp: number; records: Array<{ data: string }> };
      seen.push({ path: req.url ?? '', headers: req.headers, requestId: body.requestId, timestamp: body.timestamp, records: body.records.map((r) => Buffer.from(r.data, 'base64').toString()) });
      if (typeof answer === 'number') return void res.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: body.requestId, timestamp: Date.now(), errorMessage: `told to answer ${answer}` }));
      const requestId = answer === 'wrong-id' ? 'not-yours' : body.requestId;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId, timestamp: Date.now() }));
    });
  });
  return {
    seen,
    set: (a: typeof answer) => (answer = a),
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/firehose?token=t`))),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
