// Raw HTTP/2 frames (RFC 9113 §4.1) and just enough HPACK (RFC 7541: literal fields, no Huffman,
// no indexing) to write what node:http2's client will not: floods of SETTINGS, PING, RST_STREAM
// and CONTINUATION frames, on a plain socket that may choose never to read.
import net from 'node:net';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const TYPE = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 };
export const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 };

export function frame(type, flags, streamId, payload = Buffer.alloc(0)) {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an n-bit prefix (RFC 7541 §5.1), first byte's high bits from `mask`. */
function integer(value, bits, mask = 0) {
  const max = (1 << bits) - 1;
  if (value < max) return Buffer.from([mask | value]);
  const out = [mask | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** Literal header field without indexing, new name (RFC 7541 §6.2.2). */
function literal(name, value) {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  return Buffer.concat([Buffer.from([0]), integer(n.length, 7), n, integer(v.length, 7), v]);
}

/** An HPACK block for a request with the given headers (pseudo-headers first, as given). */
export function headerBlock(headers) {
  return Buffer.concat(Object.entries(headers).map(([k, v]) => literal(k, String(v))));
}

/** A JSON-service request's header block on the AWS port. */
export function awsRequestBlock(authority, target, extra = {}) {
  return headerBlock({
    ':method': 'POST',
    ':scheme': 'http',
    ':path': '/',
    ':authority': authority,
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': target,
    authorization: 'AWS4-HMAC-SHA256 Credential=AKIDHOSTILE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0',
    'x-amz-date': '20260101T000000Z',
    ...extra,
  });
}

export const settingsFrame = (pairs = []) => {
  const p = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([id, value], i) => (p.writeUInt16BE(id, i * 6), p.writeUInt32BE(value, i * 6 + 2)));
  return frame(TYPE.SETTINGS, 0, 0, p);
};

/**
 * A raw connection: `write` queues bytes (false once the kernel buffer is full), `closed` resolves
 * when it ends. When reading, the server's frames are counted: responses (HEADERS), resets
 * (RST_STREAM), and the last GOAWAY's error code.
 */
export function rawH2(port, { read = true } = {}) {
  const socket = net.connect(port, '127.0.0.1');
  const state = { socket, goaway: null, received: 0, responses: 0, resets: 0, closedAt: null, error: null };
  let inbox = Buffer.alloc(0);
  state.opened = new Promise((r) => socket.once('connect', r));
  state.closed = new Promise((resolve) => {
    socket.on('close', () => resolve((state.closedAt = Date.now())));
  });
  socket.on('error', (err) => (state.error = err.code ?? err.message));
  if (read) {
    socket.on('data', (d) => {
      state.received += d.length;
      inbox = inbox.length === 0 ? d : Buffer.concat([inbox, d]);
      while (inbox.length >= 9) {
        const len = inbox.readUIntBE(0, 3);
        if (inbox.length < 9 + len) break;
        if (inbox[3] === TYPE.GOAWAY && len >= 8) state.goaway = inbox.readUInt32BE(9 + 4);
        if (inbox[3] === TYPE.HEADERS) state.responses++;
        if (inbox[3] === TYPE.RST_STREAM) state.resets++;
        inbox = inbox.subarray(9 + len);
      }
    });
  } else socket.pause();
  state.write = (buf) => !socket.destroyed && socket.write(buf);
  state.destroy = () => socket.destroy();
  return state;
}

/** RFC 9113 §7 error codes by number, for the report. */
export const H2_ERRORS = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];
