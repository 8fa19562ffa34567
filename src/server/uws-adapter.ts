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
import { handleAwsRequest, payloadTooLarge } from '../aws/protocol.js';
import type { AwsHttpResponse, AwsService } from '../aws/http.js';
import type { WsPeer, WsRoute, WsSession } from '../aws/ws.js';
import { checkEndpointOptions, type EndpointOptions, type RunningEndpoint } from './endpoint-options.js';

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

interface WsUserData {
  session?: WsSession;
  open: boolean;
}

/**
 * Maps a transport-neutral WsRoute onto uWS. uWS rules kept: the message ArrayBuffer is only valid
 * during the callback (the session copies); a closed WebSocket must never be touched again.
 */
function wsBehavior(route: WsRoute): uWS.WebSocketBehavior<WsUserData> {
  return {
    compression: uWS.DISABLED,
    maxPayloadLength: route.maxMessageBytes,
    // Backpressure is the session's job (it bounds what it queues); uWS must not drop or close.
    maxBackpressure: 0,
    closeOnBackpressureLimit: 0,
    idleTimeout: 120,
    upgrade: (res, req, context) => {
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
  const { services } = options;
  const app = uWS.App();
  for (const route of options.ws ?? []) app.ws<WsUserData>(route.path, wsBehavior(route));
  app.any('/*', (res, req) => serve(res, req, services, maxBodyBytes));

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

function serve(res: uWS.HttpResponse, req: uWS.HttpRequest, services: AwsService[], maxBodyBytes: number): void {
  const method = req.getMethod().toUpperCase(); // uWS reports it lower case
  const path = req.getUrl();
  const query = req.getQuery() ?? '';
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  });

  const pending: PendingRequest = { finished: false, chunks: [], size: 0 };
  res.onAborted(() => {
    pending.finished = true;
    pending.chunks = [];
    pending.aborted?.();
  });
  // Close after a 413: uWS sends it, then shuts the connection down instead of parsing the rest of
  // an oversized body (kinesalite answers 413 without reading further).
  const tooLarge = (): void => {
    pending.chunks = [];
    write(res, pending, payloadTooLarge(), true);
  };
  if (Number(headers['content-length']) > maxBodyBytes) return tooLarge(); // res is done: no onData
  // uWS calls onData once with an empty last chunk when there is no body.
  res.onData((chunk, isLast) => {
    if (pending.finished) return;
    pending.size += chunk.byteLength;
    if (pending.size > maxBodyBytes) return tooLarge();
    if (chunk.byteLength > 0) pending.chunks.push(Buffer.from(new Uint8Array(chunk))); // copies
    if (!isLast) return;
    const body = Buffer.concat(pending.chunks, pending.size);
    pending.chunks = [];
    handleAwsRequest({ method, path, query, headers, body }, services)
      .then((response) => write(res, pending, response, false))
      .catch((err: unknown) => console.error('riffle: uWS response write failed:', err));
  });
}

function write(res: uWS.HttpResponse, pending: PendingRequest, response: AwsHttpResponse, closeConnection: boolean): void {
  if (pending.finished) return; // aborted: res is gone
  if (response.stream !== undefined) return writeStream(res, pending, response);
  pending.finished = true;
  res.cork(() => {
    res.writeStatus(`${response.status} ${STATUS_CODES[response.status] ?? 'Unknown'}`);
    for (const [name, value] of Object.entries(response.headers)) res.writeHeader(name, value);
    res.end(response.body, closeConnection);
  });
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
  res.cork(() => {
    res.writeStatus(`${response.status} ${STATUS_CODES[response.status] ?? 'Unknown'}`);
    for (const [name, value] of Object.entries(response.headers)) res.writeHeader(name, value);
  });
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
    onDrain: (listener) => void drains.push(listener),
    onClose: (listener) => void closes.push(listener),
  });
}
