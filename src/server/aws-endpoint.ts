// The node:http + node:http2 AWS endpoint: HTTP/1.1 and cleartext HTTP/2 with prior knowledge
// (h2c) on one port. The AWS SDK v3 Kinesis client defaults to NodeHttp2Handler (client-kinesis
// runtimeConfig) and fails with "Protocol error" against an HTTP/1.1-only server; the AWS CLI,
// boto3 and the Firehose client speak HTTP/1.1. So a plain TCP server reads the first bytes of each
// connection and hands the socket to whichever server speaks the protocol they start.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import http2 from 'node:http2';
import { handleAwsRequest, payloadTooLarge } from '../aws/protocol.js';
import type { AwsHttpRequest, AwsHttpResponse, BodySink } from '../aws/http.js';
import { Admission, bodiesOverBudget, type BodyBudget } from './admission.js';
import { checkEndpointOptions, type EndpointOptions, type RunningEndpoint } from './endpoint-options.js';
import { BODY_TIMEOUT_MS, ConnectionCap, deadlines, PEEK_TIMEOUT_MS, routeByPreface, type RequestListener } from './connections.js';

/** Idle connections and sessions are closed after this; Node's pre-v13 default server timeout. */
const IDLE_TIMEOUT_MS = 120_000;
/** Concurrent streams per HTTP/2 session (SETTINGS_MAX_CONCURRENT_STREAMS; Node's default is 2^32 - 1). */
export const H2_MAX_STREAMS = 128;

export async function startAwsEndpoint(options: EndpointOptions): Promise<RunningEndpoint> {
  const maxBodyBytes = checkEndpointOptions(options);
  const { services, restServices } = options;
  const admission = options.admission ?? new Admission(options.host);
  const secrets = options.secrets ?? null;
  const pages = options.pages ?? (() => undefined);
  const route: Route = (req) => Promise.resolve(admission.refusal(req) ?? pages(req) ?? handleAwsRequest(req, services, restServices, secrets));
  const budget = admission.budget;
  const cap = new ConnectionCap();
  const sockets = cap.sockets;
  const sessions = new Set<http2.ServerHttp2Session>();

  // Each HTTP/1.1 connection's time limits, told of its requests by one listener (deadlines()).
  const requests = new WeakMap<net.Socket, RequestListener>();
  const h1 = http.createServer((req, res) => {
    requests.get(req.socket)?.(req, res);
    serveHttp1(req, res, route, maxBodyBytes, budget);
  });
  // h1 never listens itself, so its connection-tracking timers (headersTimeout, requestTimeout) do
  // not run; the per-socket idle timeout below bounds slow or silent clients instead.
  h1.timeout = IDLE_TIMEOUT_MS;
  // Malformed HTTP/1 gets Node's default clientError handling: a 400 (or 408/431) and a close.

  const h2 = http2.createServer({ settings: { maxConcurrentStreams: H2_MAX_STREAMS } });
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // Protocol errors and resets end the session; they must never reach the process.
    session.on('error', () => session.destroy());
    session.setTimeout(IDLE_TIMEOUT_MS, () => session.close());
  });
  h2.on('sessionError', () => {});
  h2.on('stream', (stream, headers) => serveHttp2(stream, headers, route, maxBodyBytes, budget));

  // TLS: HTTP/2 or HTTP/1.1 by ALPN (the Go and Java SDKs speak HTTP/2 only over TLS); cleartext:
  // by the first bytes (h2c with prior knowledge, or HTTP/1.1). Either way a plain TCP server
  // accepts, so a connection still in its TLS handshake counts against the cap, is closed on
  // shutdown, and has PEEK_TIMEOUT_MS to finish the handshake.
  const secure = options.tls
    ? tls.createServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile), ALPNProtocols: ['h2', 'http/1.1'], handshakeTimeout: PEEK_TIMEOUT_MS }, (socket) => {
        socket.on('error', () => socket.destroy());
        if (socket.alpnProtocol === 'h2') return void h2.emit('connection', socket);
        h1.emit('connection', socket);
        deadlines(socket, requests);
      })
    : null;
  // A TLS handshake that fails (a cleartext client, a bad certificate, too slow) just ends that connection.
  secure?.on('tlsClientError', (_err, socket) => socket.destroy());
  const tcp = net.createServer((socket) => {
    if (!cap.admit(socket)) return;
    if (secure !== null) return void secure.emit('connection', socket);
    routeByPreface(socket, h1, h2, requests);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  tcp.on('error', (err) => console.error('riffle: AWS endpoint listener error:', err));
  const address = tcp.address() as net.AddressInfo;

  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        // The net server counts every socket, also those handed to h1/h2, so its close callback
        // fires once all of them are destroyed here.
        tcp.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** One request to its response: the AWS protocol layer over this endpoint's services. */
type Route = (req: AwsHttpRequest) => Promise<AwsHttpResponse>;

/**
 * Responses without content (RFC 9110 §6.4.1): to HEAD, and 304. Node drops the body of both
 * itself; for HTTP/2 and uWS the writers below must not send one.
 */
function bodiless(method: string, response: AwsHttpResponse): boolean {
  return method === 'HEAD' || response.status === 304;
}

/** A bodiless response's Content-Length (see AwsHttpResponse.headLength), or undefined for none. */
function bodilessLength(method: string, response: AwsHttpResponse): number | undefined {
  return response.headLength ?? (method === 'HEAD' ? Buffer.byteLength(response.body) : undefined);
}


function serveHttp1(req: http.IncomingMessage, res: http.ServerResponse, route: Route, maxBodyBytes: number, budget: BodyBudget): void {
  let chunks: Buffer[] = [];
  let size = 0;
  let held = 0; // bytes of the budget this request holds
  const release = (): void => {
    budget.give(held);
    held = 0;
  };
  req.on('error', release); // a client that goes away mid-body; the socket is already gone
  res.once('close', release);
  let tooLarge = false;
  const refuse = (response: AwsHttpResponse): void => {
    // Answer at once and stop buffering, keeping the connection usable: the rest of this body is
    // read and dropped, as kinesalite does (its 413 has no body either). A client that keeps
    // sending past twice the limit loses the connection instead.
    chunks = [];
    release();
    tooLarge = true;
    writeHttp1(res, response);
  };
  if (Number(req.headers['content-length']) > maxBodyBytes) refuse(payloadTooLarge());
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (tooLarge) {
      if (size > 2 * maxBodyBytes) req.socket.destroy();
      return;
    }
    if (size > maxBodyBytes) return refuse(payloadTooLarge());
    if (!budget.take(chunk.length)) {
      budget.refused++;
      return refuse(bodiesOverBudget());
    }
    held += chunk.length;
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) return;
    const [path = '/', query = ''] = splitUrl(req.url ?? '/');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const body = Buffer.concat(chunks, size);
    chunks = [];
    const method = req.method ?? '';
    route({ method, path, query, headers, body })
      .then((response) => {
        release(); // the operation is done with the body
        try {
          writeHttp1(res, response, method);
        } catch (err) {
          response.stream?.cancel?.(); // a body that will never be sent frees what it holds (an open file)
          throw err;
        }
      })
      .catch(() => res.destroy()); // a write racing a vanished socket; never an unhandled rejection
  });
}

function writeHttp1(res: http.ServerResponse, response: AwsHttpResponse, method = ''): void {
  if (res.destroyed || res.writableEnded) return response.stream?.cancel?.();
  if (bodiless(method, response)) {
    response.stream?.cancel?.();
    const length = bodilessLength(method, response);
    res.writeHead(response.status, length === undefined ? response.headers : { ...response.headers, 'Content-Length': length });
    return void res.end();
  }
  if (response.stream !== undefined) {
    // Without a known length no Content-Length: Node sends the body chunked (Transfer-Encoding: chunked).
    const { length } = response.stream;
    res.writeHead(response.status, length === undefined ? response.headers : { ...response.headers, 'Content-Length': length });
    res.flushHeaders();
    return response.stream.start(sinkOver(res, () => res.end()));
  }
  res.writeHead(response.status, { ...response.headers, 'Content-Length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

/** A BodySink over a Node writable (an HTTP/1.1 response or an HTTP/2 stream). */
function sinkOver(w: http.ServerResponse | http2.ServerHttp2Stream, end: () => void): BodySink {
  return {
    write: (chunk) => !w.destroyed && w.write(chunk),
    end,
    // HTTP/1.1: the socket is closed; HTTP/2: the stream is reset (RST_STREAM).
    abort: () => void w.destroy(),
    onDrain: (listener) => void w.on('drain', listener),
    // 'close' follows a normal end as well as a reset or a lost connection.
    onClose: (listener) => void w.once('close', listener),
  };
}

function serveHttp2(
  stream: http2.ServerHttp2Stream,
  h2Headers: http2.IncomingHttpHeaders,
  route: Route,
  maxBodyBytes: number,
  budget: BodyBudget,
): void {
  let held = 0;
  const release = (): void => {
    budget.give(held);
    held = 0;
  };
  stream.on('error', release); // RST_STREAM from the client, session teardown
  // As for HTTP/1.1 (BODY_TIMEOUT_MS): a body still arriving a minute after its headers is cut off.
  const deadline = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), BODY_TIMEOUT_MS);
  deadline.unref();
  stream.once('close', () => {
    clearTimeout(deadline);
    release();
  });
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  stream.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    const overBudget = size <= maxBodyBytes && !budget.take(chunk.length);
    if (size <= maxBodyBytes && !overBudget) {
      held += chunk.length;
      return void chunks.push(chunk);
    }
    if (overBudget) budget.refused++;
    tooLarge = true;
    chunks.length = 0;
    release();
    try {
      writeHttp2(stream, overBudget ? bodiesOverBudget() : payloadTooLarge());
      // RFC 9113 §8.1: after a complete response the server may ask the client to stop sending
      // the request with RST_STREAM(NO_ERROR); Node flushes the queued response before the RST.
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
    } catch {
      stream.destroy();
    }
  });
  stream.on('end', () => {
    clearTimeout(deadline); // the body is in: the response (SubscribeToShard's lasts minutes) has no deadline
    if (tooLarge) return;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(h2Headers)) {
      if (name.startsWith(':') || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const [path = '/', query = ''] = splitUrl(String(h2Headers[':path'] ?? '/'));
    const method = String(h2Headers[':method'] ?? '');
    const body = Buffer.concat(chunks, size);
    chunks.length = 0;
    // :authority is HTTP/2's Host (and what the AWS SDKs sign over HTTP/2, by that name).
    if (h2Headers[':authority'] !== undefined) {
      headers[':authority'] = String(h2Headers[':authority']);
      headers.host ??= headers[':authority'];
    }
    route({ method, path, query, headers, body })
      .then((response) => {
        release();
        try {
          writeHttp2(stream, response, method);
        } catch (err) {
          response.stream?.cancel?.();
          throw err;
        }
      })
      .catch(() => stream.destroy()); // respond() racing a session teardown
  });
}

/** How long a streamed HTTP/2 response may go without sending or receiving anything (event streams send a heartbeat every 5 s). */
const STALLED_STREAM_MS = 120_000;

function writeHttp2(stream: http2.ServerHttp2Stream, response: AwsHttpResponse, method = ''): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return response.stream?.cancel?.();
  const headers: http2.OutgoingHttpHeaders = { ':status': response.status };
  // HTTP/2 field names are lower case (RFC 9113 §8.2.1).
  for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
  if (bodiless(method, response)) {
    response.stream?.cancel?.();
    const length = bodilessLength(method, response);
    if (length !== undefined) headers['content-length'] = length;
    return stream.respond(headers, { endStream: true });
  }
  if (response.stream !== undefined) {
    if (response.stream.length !== undefined) headers['content-length'] = response.stream.length;
    stream.respond(headers);
    // A streamed response outlives the idle timeout of a quiet session (a graceful close waits for
    // it), so it has its own: a client that takes nothing for STALLED_STREAM_MS loses the stream,
    // and what the body holds (an open file, a subscription) is released by the close.
    stream.setTimeout(STALLED_STREAM_MS, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    return response.stream.start(sinkOver(stream, () => stream.end()));
  }
  headers['content-length'] = Buffer.byteLength(response.body);
  stream.respond(headers);
  stream.end(response.body);
}

function splitUrl(url: string): [string, string] {
  const q = url.indexOf('?');
  return q === -1 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}
