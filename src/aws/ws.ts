// The contract between a WebSocket route (a service's ws/ folder) and the server that carries it
// (server/uws-adapter.ts): a route sees connections as WsPeer and answers with a WsSession.

/** One WebSocket connection as a WebSocket route sees it, whatever server carries it. */
export interface WsPeer {
  /** Queues a message (binary for bytes, text for a string); never throws after close (it is dropped). */
  send(message: Uint8Array | string): void;
  /** Bytes queued in the server and not yet written to the socket (backpressure). */
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

export interface WsSession {
  /** `data` is valid only during the call: copy what outlives it. */
  message(data: Uint8Array, binary: boolean): void;
  /** The socket's send buffer has drained. */
  drain(): void;
  /** The connection is gone; the peer must not be used again. */
  closed(): void;
}

/** A WebSocket route: one session per connection. */
export interface WsRoute {
  readonly path: string;
  /** Largest message accepted; a larger one closes the connection (WebSocket code 1009). */
  readonly maxMessageBytes: number;
  /** Served without SigV4 under --auth sigv4 (the dashboard's feed, as its page); Host and Origin rules still hold. */
  readonly unsigned?: boolean;
  open(peer: WsPeer): WsSession;
}
