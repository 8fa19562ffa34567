// The uWebSockets.js front end: the same AWS protocol over uWS HTTP/1.1, on any path, plus the
// WebSocket routes. This is the only module that loads uWebSockets.js (one adapter, so the rest of
// the code does not depend on which uWS build is installed).
//
// uWS rules this file keeps (uWebSockets.js docs/index.d.ts, HttpResponse):
// - HttpRequest is valid only during the route handler: headers, method and URL are copied first.
// - An HttpResponse must get onAborted before any async work; after abort (or after end) it must
//   not be touched, so every later write checks `finished`.
// - The ArrayBuffer given to onData is neutered when the callback returns: chunks are copied.
// - Writes outside the synchronous handler are wrapped in cork() so they go out in one syscall.
import { STATUS_CODES } from 'node:http';
import uWS from '@trufflesuite/uws-js-unofficial';
import { handleAwsRequest, payloadTooLarge, sigV4Error } from '../aws/protocol.js';
import { verifySigV4 } from '../aws/sigv4.js';
import { Admission, bodiesOverBudget, type BodyBudget } from './admission.js';
import type { AwsHttpRequest, AwsHttpResponse, BodySink, StreamingBody } from '../aws/http.js';
import type { WsPeer, WsRoute, WsSession } from '../aws/ws.js';
import { checkEndpointOptions, type EndpointOptions, type RunningEndpoint } from './endpoint-options.js';
import { FramingCheck, type FramingFault } from './http-framing.js';

export interface UwsEndpointOptions extends EndpointOptions {
  /** WebSocket routes, registered before the catch-all HTTP route. */
  ws?: WsRoute[];
}

/**
 * µWS (uWebSockets.js 20.30, the version installed) sends frames of 16 KiB and more uncompressed
 * with one writev of header and payload when nothing is buffered; if the kernel then takes no
 * more than the header, the payload is dropped and the next frame follows the orphaned header
 * (fixed upstream in uWebSockets PR #1662, not in this build). Seen here as corrupt push frames
 * to busy consumers. Such frames are sent with the `compress` hint, which takes µWS's buffered
 * path instead (test/integration/bench-smoke.test.ts checks every frame of the fan-out bench).
 */
const LARGE_FRAME_BYTES = 16 * 1024;

/** A sized body's bytes waiting in the adapter before its write() says false. */
const SIZED_HIGH_WATER_BYTES = 64 * 1024;

interface WsUserData {
  session?: WsSession;
  open: boolean;
}

/**
 * Maps a transport-neutral WsRoute onto uWS. uWS rules kept: the message ArrayBuffer is only valid
 * during the callback (the session copies); a closed WebSocket must never be touched again.
 */
function wsBehavior(route: WsRoute, admission: Admission, secrets: ReadonlyMap<string, string> | null): uWS.WebSocketBehavior<WsUserData> {
  return {
    compression: uWS.DISABLED,
    maxPayloadLength: route.maxMessageBytes,
    // Backpressure is the session's job (it bounds what it queues); uWS must not drop or close.
    maxBackpressure: 0,
    closeOnBackpressureLimit: 0,
    idleTimeout: 120,
    upgrade: (res, req, context) => {
      // A browser page of another origin (or a rebinding host name) does not get a WebSocket.
      const host = req.getHeader('host');
      const origin = req.getHeader('origin');
      if (!admission.hostAllowed(host) || !admission.originAllowed(origin === '' ? undefined : origin, host)) {
        res.writeStatus('403 Forbidden').end('WebSocket refused: this Host or Origin may not call this server (--allowed-hosts, --allowed-origins).', true);
        return;
      }
      // --auth sigv4: the upgrade is signed like any request, in its headers or as a presigned URL.
      if (secrets !== null && route.unsigned !== true) {
        const headers: Record<string, string> = {};
        req.forEach((name, value) => (headers[name] = value));
        const verified = verifySigV4({ method: 'GET', path: req.getUrl(), query: req.getQuery() ?? '', headers, body: Buffer.alloc(0) }, secrets);
        if ('kind' in verified) {
          // 403 as before, now carrying the AWS error the same signature gets on the AWS port, so
          // a client can name it: a WebSocket client handles a non-101 answer as an HTTP response
          // (RFC 6455 section 4.1), and the Producer's WsTransport reads x-amzn-ErrorType.
          const err = sigV4Error(verified);
          res
            .writeStatus('403 Forbidden')
            .writeHeader('Content-Type', 'application/x-amz-json-1.1')
            .writeHeader('x-amzn-ErrorType', err.code)
            .end(JSON.stringify(err.toWire()), true);
          return;
        }
      }
      res.upgrade<WsUserData>(
        { open: false },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      data.open = true;
      const peer: WsPeer = {
        send: (message) => {
          if (!data.open) return;
          const binary = typeof message !== 'string';
          // `compress` keeps large frames off the µWS writev shortcut (see LARGE_FRAME_BYTES);
          // compression is disabled on these sockets, so nothing is compressed.
          const viaBuffer = binary && message.length >= LARGE_FRAME_BYTES;
          ws.cork(() => ws.send(message, binary, viaBuffer));
        },
        bufferedBytes: () => (data.open ? ws.getBufferedAmount() : 0),
        close: (code, reason) => {
          if (data.open) ws.end(code, reason);
        },
      };
      data.session = route.open(peer);
    },
    message: (ws, message, isBinary) => ws.getUserData().session?.message(new Uint8Array(message), isBinary),
    drain: (ws) => ws.getUserData().session?.drain(),
    close: (ws) => {
      const data = ws.getUserData();
      data.open = false;
      data.session?.closed();
    },
  };
}

// uWS.js v20.30 also takes listen(host, port, options, cb) and exports the option as a top-level
// constant (there is no ListenOptions object at run time); the bundled typings have neither.
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: uWS.us_listen_socket | false) => void) => unknown;
const LIBUS_LISTEN_EXCLUSIVE_PORT = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;

interface PendingRequest {
  finished: boolean;
  chunks: Buffer[];
  size: number;
  /** A streaming response's close listeners, run when the client goes away. */
  aborted?: () => void;
}

export async function startUwsEndpoint(options: UwsEndpointOptions): Promise<RunningEndpoint> {
  const maxBodyBytes = checkEndpointOptions(options);
  const { services, restServices } = options;
  const admission = options.admission ?? new Admission(options.host);
  const secrets = options.secrets ?? null;
  const pages = options.pages ?? (() => undefined);
  const route: Route = (req) => Promise.resolve(admission.refusal(req) ?? pages(req) ?? handleAwsRequest(req, services, restServices, secrets));
  // TLS: µWS has no HTTP/2, so the stream port serves HTTPS/1.1 and wss.
  const app = options.tls ? uWS.SSLApp({ cert_file_name: options.tls.certFile, key_file_name: options.tls.keyFile }) : uWS.App();
  for (const ws of options.ws ?? []) app.ws<WsUserData>(ws.path, wsBehavior(ws, admission, secrets));
  app.any('/*', (res, req) => serve(res, req, route, maxBodyBytes, admission.budget));

  // LIBUS_LISTEN_EXCLUSIVE_PORT: uSockets binds with SO_REUSEPORT by default, which would let a
  // second server share a fixed port silently instead of failing like node:net does.
  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    const listen = app.listen.bind(app) as unknown as ListenWithOptions;
    listen(options.host, options.port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
      if (socket === false) reject(new Error(`uWS endpoint cannot listen on ${options.host}:${options.port}`));
      else resolve(socket);
    });
  });
  const port = uWS.us_socket_local_port(listenSocket);

  let closed = false;
  return {
    port,
    close: async () => {
      if (closed) return;
      closed = true;
      uWS.us_listen_socket_close(listenSocket);
      // App.close() force-closes every open socket; this v20.30 build has it, its typings do not.
      (app as unknown as { close?: () => void }).close?.();
    },
  };
}

/** One request to its response: the AWS protocol layer over this endpoint's services. */
type Route = (req: AwsHttpRequest) => Promise<AwsHttpResponse>;

function serve(res: uWS.HttpResponse, req: uWS.HttpRequest, route: Route, maxBodyBytes: number, budget: BodyBudget): void {
  const method = req.getMethod().toUpperCase(); // uWS reports it lower case
  const path = req.getUrl();
  const query = req.getQuery() ?? '';
  const headers: Record<string, string> = {};
  const framing = new FramingCheck(path, query);
  req.forEach((name, value) => {
    framing.header(name, value);
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  });
  const fault = framing.fault();
  if (fault !== undefined) return refuseFraming(res, fault);

  const pending: PendingRequest = { finished: false, chunks: [], size: 0 };
  let held = 0; // bytes of the shared body budget this request holds
  const release = (): void => {
    budget.give(held);
    held = 0;
  };
  res.onAborted(() => {
    pending.finished = true;
    pending.chunks = [];
    release();
    pending.aborted?.();
  });
  // Close after a 413: uWS sends it, then shuts the connection down instead of parsing the rest of
  // an oversized body (kinesalite answers 413 without reading further).
  const tooLarge = (response = payloadTooLarge()): void => {
    pending.chunks = [];
    release();
    write(res, pending, response, true, method); // a HEAD's refusal has no body either
  };
  if (Number(headers['content-length']) > maxBodyBytes) return tooLarge(); // res is done: no onData
  // uWS calls onData once with an empty last chunk when there is no body.
  res.onData((chunk, isLast) => {
    if (pending.finished) return;
    pending.size += chunk.byteLength;
    if (pending.size > maxBodyBytes) return tooLarge();
    if (!budget.take(chunk.byteLength)) {
      budget.refused++;
      return tooLarge(bodiesOverBudget());
    }
    held += chunk.byteLength;
    if (chunk.byteLength > 0) pending.chunks.push(Buffer.from(new Uint8Array(chunk))); // copies
    if (!isLast) return;
    const body = Buffer.concat(pending.chunks, pending.size);
    pending.chunks = [];
    route({ method, path, query, headers, body })
      .then((response) => {
        release(); // the operation is done with the body
        write(res, pending, response, false, method);
      })
      .catch((err: unknown) => console.error('riffle: uWS response write failed:', err));
  });
}

/**
 * Answers a request node's parser would refuse (see http-framing.ts) as node does: the status, no
 * body, and the connection closed. Not from inside the handler: µWS keeps parsing the rest of the
 * read it is in and would serve a request pipelined behind this one (a smuggled one, when the
 * framing was ambiguous) even after a close was asked for. Left pending until the read is done,
 * the response makes µWS drop the connection at such a request instead (a request arriving while
 * one is pending closes it in 20.30), unserved; then, with nothing behind it, the refusal goes out.
 */
function refuseFraming(res: uWS.HttpResponse, status: FramingFault): void {
  let aborted = false;
  res.onAborted(() => (aborted = true));
  setImmediate(() => {
    if (!aborted) res.cork(() => res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`).end('', true));
  });
}

function write(res: uWS.HttpResponse, pending: PendingRequest, response: AwsHttpResponse, closeConnection: boolean, method = ''): void {
  if (pending.finished) return response.stream?.cancel?.(); // aborted: res is gone
  // Responses without content (RFC 9110 §6.4.1): µWS does not know HEAD and would send the body.
  const bodiless = method === 'HEAD' || response.status === 304;
  // An empty sized body needs no stream: it is an empty end().
  if (bodiless || response.stream?.length === 0) response.stream?.cancel?.();
  else if (response.stream?.length !== undefined) return writeSizedStream(res, pending, response, response.stream);
  else if (response.stream !== undefined) return writeStream(res, pending, response);
  pending.finished = true;
  res.cork(() => {
    writeHead(res, response);
    if (!bodiless) return void res.end(response.body, closeConnection);
    // An empty answer (a 413) can end as any: its Content-Length: 0 is the body's, and µWS closes.
    if (closeConnection && response.body.length === 0 && response.headLength === undefined) return void res.end('', true);
    // endWithoutBody writes no Content-Length itself; given one, this build (20.30) drops the
    // connection without a response, so the length goes as a header of our own.
    const length = response.headLength ?? (method === 'HEAD' ? Buffer.byteLength(response.body) : undefined);
    if (length !== undefined) res.writeHeader('Content-Length', String(length));
    // closeConnection is not kept here: this build cannot end a bodiless response and close
    // (endWithoutBody(length, true) says Connection: close, then waits for `length` body bytes).
    // So a HEAD refused with an error document (a 503) keeps its connection, as node's port keeps
    // every such one, and the rest of its body is read and dropped (pending.finished).
    res.endWithoutBody();
  });
}

function writeHead(res: uWS.HttpResponse, response: AwsHttpResponse): void {
  res.writeStatus(`${response.status} ${STATUS_CODES[response.status] ?? 'Unknown'}`);
  for (const [name, value] of Object.entries(response.headers)) res.writeHeader(name, value);
}

/** A streaming body over uWS: chunked HTTP/1.1, uWS's write/onWritable for backpressure. */
function writeStream(res: uWS.HttpResponse, pending: PendingRequest, response: AwsHttpResponse): void {
  const drains: Array<() => void> = [];
  const closes: Array<() => void> = [];
  const close = (): void => {
    const listeners = closes.splice(0);
    for (const listener of listeners) listener();
  };
  pending.aborted = close;
  res.cork(() => writeHead(res, response));
  res.onWritable(() => {
    for (const listener of drains) listener();
    return true;
  });
  response.stream?.start({
    write: (chunk) => {
      if (pending.finished) return false;
      let ok = false;
      res.cork(() => {
        ok = res.write(chunk);
      });
      return ok;
    },
    end: () => {
      if (pending.finished) return;
      pending.finished = true;
      res.cork(() => res.end());
      close();
    },
    abort: () => abort(res, pending),
    onDrain: (listener) => void drains.push(listener),
    onClose: (listener) => void closes.push(listener),
  });
}

/** Closes the connection under a body that cannot be completed; onAborted runs the close listeners. */
function abort(res: uWS.HttpResponse, pending: PendingRequest): void {
  if (pending.finished) return;
  res.close();
}

/**
 * A body of known length over uWS: tryEnd writes Content-Length, then as much of each chunk as the
 * socket takes without buffering; the rest of a chunk is sent again from uWS's write offset when
 * the socket is writable (uWebSockets.js examples/VideoStreamer.js). Chunks written meanwhile wait
 * here, and write() says false once they pass the high-water mark, so a body that keeps to it
 * holds at most about one chunk plus the mark.
 */
function writeSizedStream(res: uWS.HttpResponse, pending: PendingRequest, response: AwsHttpResponse, body: StreamingBody): void {
  const total = body.length as number;
  const drains: Array<() => void> = [];
  const closes: Array<() => void> = [];
  const close = (): void => {
    const listeners = closes.splice(0);
    for (const listener of listeners) listener();
  };
  pending.aborted = close;
  const queue: Uint8Array[] = [];
  let queuedBytes = 0;
  let blocked = false;
  let ended = false;
  /** uWS's write offset when the first chunk in the queue started going out. */
  let chunkStart = 0;
  /** Sends what is queued; false while the socket has taken only part of it. */
  const pump = (): boolean => {
    while (queue.length > 0) {
      const chunk = queue[0] as Uint8Array;
      let ok = false;
      let done = false;
      res.cork(() => {
        [ok, done] = res.tryEnd(chunk.subarray(res.getWriteOffset() - chunkStart), total);
      });
      if (done) {
        // The last byte is out and res is finished (uWS: no longer valid).
        pending.finished = true;
        queue.length = 0;
        close();
        return true;
      }
      if (!ok) return false;
      queue.shift();
      queuedBytes -= chunk.byteLength;
      chunkStart = res.getWriteOffset();
    }
    // Everything written and still short of the length: the client would wait for the rest.
    if (ended) abort(res, pending);
    return true;
  };
  res.cork(() => writeHead(res, response));
  chunkStart = res.getWriteOffset();
  res.onWritable(() => {
    if (pending.finished) return true;
    const ok = pump();
    if (ok && blocked && !pending.finished) {
      blocked = false;
      for (const listener of drains) listener();
    }
    return ok;
  });
  body.start({
    write: (chunk) => {
      if (pending.finished || ended) return false;
      queue.push(chunk);
      queuedBytes += chunk.byteLength;
      if (queue.length === 1 && !pump()) blocked = true;
      if (queuedBytes >= SIZED_HIGH_WATER_BYTES) blocked = true;
      return !blocked && !pending.finished;
    },
    end: () => {
      if (pending.finished || ended) return;
      ended = true;
      if (queue.length === 0) pump();
    },
    abort: () => abort(res, pending),
    onDrain: (listener) => void drains.push(listener),
    onClose: (listener) => void closes.push(listener),
  });
}
