// The HTTP/1.1 framing faults node's parser (llhttp, strict, as node:http runs it on the AWS port)
// answers with 400 or 431 and a close, and which µWS 20.30 hands to the stream port's handler as
// a good request: the uWS adapter runs each request's headers through a FramingCheck and refuses
// what node refuses, with node's status.
// - Content-Length: one, digits only; µWS frames the body by the first of two and takes an empty
//   one as none.
// - Transfer-Encoding: `chunked` must be the final coding, once (RFC 9112 §6.3: "the server MUST
//   respond with the 400 (Bad Request) status code and then close the connection"); µWS reads
//   any Transfer-Encoding as chunked.
// - The header block: node counts the URL, field names and values (not the method, separators or
//   a value's leading whitespace) against http.maxHeaderSize (16 KiB) and answers 431 when the
//   count reaches it; µWS takes a block of any size that arrives in one read.
// What µWS parses no further, or closes before an answer can leave (LF-only line ends, a bare CR,
// obs-fold, Content-Length with Transfer-Encoding, a Content-Length that is not a number below
// 2^32), never gets here: test/integration/http-parity.test.ts records what it does with them.
import { maxHeaderSize } from 'node:http';

export const FRAMING_FAULT = {
  BAD_REQUEST: 400,
  HEADERS_TOO_LARGE: 431,
} as const;
export type FramingFault = (typeof FRAMING_FAULT)[keyof typeof FRAMING_FAULT];

/** The part of a Content-Length node reads before it fails at a character: digits, then spaces. */
const LENGTH_PREFIX = /^[0-9]* */;

/**
 * One request's headers, as µWS gives them (names lower case, values trimmed), checked in their
 * order, since node answers the first fault its parser meets, and counted as node counts them (a
 * header block that reaches the limit before a fault gets 431). node's parser fails, as it reads:
 * at a second Content-Length before its value; in a Content-Length at its first character that is
 * not a digit (or past its spaces); at the first ',' after a `chunked` coding; at a second
 * non-empty Transfer-Encoding line after one that said `chunked`. A Transfer-Encoding that never
 * says `chunked` fails only once the headers are complete. (Measured: test/unit/server/
 * http-framing.test.ts holds this class to node's parser.)
 */
export class FramingCheck {
  private headerBytes: number;
  private contentLength = false;
  private transferEncoding = false;
  /** Whether the last coding so far is `chunked`. */
  private chunked = false;
  private first: FramingFault | undefined;

  constructor(path: string, query: string) {
    // The request target as sent: µWS splits the query off at '?'.
    this.headerBytes = Buffer.byteLength(path) + (query === '' ? 0 : 1 + Buffer.byteLength(query));
  }

  header(name: string, value: string): void {
    if (this.first !== undefined || !this.count(name)) return;
    if (name === 'content-length') {
      if (this.contentLength) return this.refuse();
      this.contentLength = true;
      const read = (LENGTH_PREFIX.exec(value) as RegExpExecArray)[0].length;
      if (this.count(value.slice(0, read)) && (read < value.length || value === '')) this.refuse();
    } else if (name === 'transfer-encoding') {
      this.transferEncoding = true;
      if (value === '') return; // adds no coding: `chunked` and then an empty line is chunked
      if (this.chunked) return this.refuse();
      const fault = this.codings(value);
      if (this.count(fault === -1 ? value : value.slice(0, fault)) && fault !== -1) this.refuse();
    } else {
      this.count(value);
    }
  }

  /** The status node would refuse this request with, or undefined when it would serve it. */
  fault(): FramingFault | undefined {
    if (this.first === undefined && this.transferEncoding && !this.chunked) return FRAMING_FAULT.BAD_REQUEST;
    return this.first;
  }

  /** Adds bytes to the block; false once it reaches the limit (node fails there, as bytes arrive). */
  private count(text: string): boolean {
    this.headerBytes += Buffer.byteLength(text);
    if (this.headerBytes < maxHeaderSize) return true;
    this.first = FRAMING_FAULT.HEADERS_TOO_LARGE;
    return false;
  }

  private refuse(): void {
    this.first = FRAMING_FAULT.BAD_REQUEST;
  }

  /**
   * Reads one line's codings; returns the index of a ',' after `chunked` (a coding, even an
   * empty list element, after it: "chunked," is refused, ",chunked" is not), else -1.
   */
  private codings(value: string): number {
    let at = 0;
    for (const coding of value.split(',')) {
      if (this.chunked) return at - 1;
      this.chunked = coding.trim().toLowerCase() === 'chunked';
      at += coding.length + 1;
    }
    return -1;
  }
}
