// Raw HTTP/1.1 over a `net` socket, for requests no client library would send: what came back,
// byte for byte, and whether the server closed the connection. Waits are for socket events
// ('data', 'close') with a bound, never for a fixed time.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  /** e.g. "HTTP/1.1 400 Bad Request" */
  statusLine: string;
  /** Field names lower case; a repeated field keeps its last value. */
  headers: Record<string, string>;
  body: Buffer;
}

export class RawConnection {
  received: Buffer = Buffer.alloc(0);
  closed = false;
  private wake: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.notify();
    });
    // A reset after the server's close counts as the close; the bytes before it are kept.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Resolves once `done()` holds or the connection closed; rejects when neither within timeoutMs. */
  until(done: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!done() && !this.closed) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.wake = this.wake.filter((w) => w !== waiter);
        reject(new Error(`no answer in ${timeoutMs} ms; got ${JSON.stringify(this.received.toString('latin1').slice(0, 300))}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (!check()) this.wake.push(waiter);
      };
      waiter();
    });
  }

  /** Waits for the server to close the connection. */
  async closedByServer(timeoutMs: number): Promise<void> {
    await this.until(() => false, timeoutMs);
    if (!this.closed) throw new Error('still open');
  }

  /** Waits for `count` complete responses (the i-th has no body when heads[i]: an answer to HEAD). */
  async responses(count: number, timeoutMs: number, heads: boolean[] = []): Promise<RawResponse[]> {
    await this.until(() => parseResponses(this.received, heads).responses.length >= count, timeoutMs);
    return parseResponses(this.received, heads).responses;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const waiting = this.wake.splice(0);
    for (const w of waiting) w();
  }
}

/** The complete responses at the start of `bytes` (bodies by Content-Length), and what follows them. */
export function parseResponses(bytes: Buffer, heads: boolean[] = []): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (end === -1) break;
    const [statusLine = '', ...lines] = bytes.subarray(at, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = heads[responses.length] === true ? 0 : Number(headers['content-length'] ?? 0);
    if (bytes.length < end + 4 + length) break;
    responses.push({ statusLine, headers, body: bytes.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return { responses, rest: bytes.subarray(at) };
}
