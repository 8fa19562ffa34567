/**
 * The AWS port's connections before and around HTTP: the cap on how many it holds, which server a
 * cleartext connection goes to (h2c by its preface, or HTTP/1.1), and an HTTP/1.1 request's time
 * limits.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import type net from 'node:net';

/** RFC 9113 §3.4: every h2c-with-prior-knowledge connection starts with these 24 octets. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** A connection must say which protocol it speaks within this time (bounds half-open peeks). */
export const PEEK_TIMEOUT_MS = 10_000;
/**
 * An HTTP/1.1 request's headers must be complete this long after its first byte, and its body
 * this long after its headers: a client dripping a byte now and then (which keeps resetting the
 * idle timeout) holds a connection no longer than that. µWS drops slow headers in 10-20 s itself.
 */
export const HEADERS_TIMEOUT_MS = 20_000;
export const BODY_TIMEOUT_MS = 60_000;
/**
 * Connections the AWS port holds at once (each holds a descriptor). At the cap a new connection
 * takes the place of the oldest that has not sent a byte yet; with none such, it is closed at once.
 * The SDK's Kinesis client opens a connection per call, so refusing new ones would lock real
 * clients out behind idle sockets.
 */
export const MAX_CONNECTIONS = 10_000;

/** The AWS port's connections, at most MAX_CONNECTIONS (see there). */
export class ConnectionCap {
  readonly sockets = new Set<net.Socket>();
  /** Connections that have not sent a byte yet, oldest first. */
  private readonly silent = new Set<net.Socket>();

  /** Takes `socket`, or closes it; false when it was closed. */
  admit(socket: net.Socket): boolean {
    const { sockets, silent } = this;
    if (sockets.size >= MAX_CONNECTIONS) {
      // A TLS connection's bytes go to the TLS layer natively, without 'data' events on the TCP
      // socket: bytesRead says whether it has spoken.
      let oldest: net.Socket | undefined;
      for (const s of silent) {
        silent.delete(s);
        if (s.bytesRead === 0) {
          oldest = s;
          break;
        }
      }
      // None silent: closed at once (its descriptor back), before it can hold anything.
      if (oldest === undefined) return void socket.destroy(), false;
      sockets.delete(oldest);
      oldest.destroy();
    }
    sockets.add(socket);
    silent.add(socket);
    socket.once('data', () => silent.delete(socket));
    socket.once('close', () => {
      sockets.delete(socket);
      silent.delete(socket);
    });
    return true;
  }
}

/**
 * Reads until the bytes so far either diverge from the HTTP/2 preface or complete it (a preface may
 * arrive split over several packets), then puts them back and emits the socket on the right server.
 */
export function routeByPreface(socket: net.Socket, h1: http.Server, h2: http2.Http2Server, requests: WeakMap<net.Socket, RequestListener>): void {
  let peeked: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    peeked = peeked.length === 0 ? chunk : Buffer.concat([peeked, chunk]);
    const n = Math.min(peeked.length, H2_PREFACE.length);
    const isH2 = peeked.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2 && peeked.length < H2_PREFACE.length) return;
    stopPeeking();
    socket.pause();
    socket.unshift(peeked);
    if (isH2) {
      // Http2Session drains bytes already in the socket's buffer on the next tick (node#35475) and
      // then reads the handle natively; resuming here would hand those bytes to nobody.
      h2.emit('connection', socket);
    } else {
      // The HTTP/1 parser reads through 'data' events, which a paused socket does not emit.
      h1.emit('connection', socket);
      deadlines(socket, requests);
      socket.resume();
    }
  };
  const onError = (): void => {
    socket.destroy();
  };
  const onTimeout = onError;
  const stopPeeking = (): void => {
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('timeout', onTimeout);
    socket.setTimeout(0);
  };
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('timeout', onTimeout);
  socket.setTimeout(PEEK_TIMEOUT_MS);
}

/**
 * The time limits of an HTTP/1.1 connection's requests (HEADERS_TIMEOUT_MS, BODY_TIMEOUT_MS): a
 * request's first byte starts the headers' clock, its headers the body's; its end stops it. A
 * connection over either is destroyed. Between requests only the idle timeout applies.
 */
export function deadlines(socket: net.Socket, requests: WeakMap<net.Socket, RequestListener>): void {
  let timer: NodeJS.Timeout | null = null;
  let inRequest = false;
  const arm = (ms: number): void => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
  };
  const clear = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  // A byte while no request is under way starts a request's headers.
  socket.on('data', () => {
    if (!inRequest && timer === null) arm(HEADERS_TIMEOUT_MS);
  });
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    inRequest = true;
    arm(BODY_TIMEOUT_MS);
    req.once('end', clear);
    res.once('finish', () => {
      inRequest = false;
      clear();
    });
  };
  requests.set(socket, onRequest);
  socket.once('close', clear);
}

export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;
