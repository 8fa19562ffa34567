// One request over each transport the fuzzers use, resolved (never rejected) with what came back:
// { status, body (up to 64 KiB of it, as text) } or { error } / { timeout: true } / { notSent }.
// A response still streaming after a second (SubscribeToShard's event stream) is cut there.
import http from 'node:http';
import http2 from 'node:http2';

const BODY_KEPT_BYTES = 64 * 1024;
const STREAMING_CUT_MS = 1000;

export function h1Request(port, agent, method, path, headers, body, timeoutMs) {
  return new Promise((resolve) => {
    let done = false;
    let timer = null;
    const finish = (v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    let req;
    try {
      req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-length': body.length }, agent, setHost: headers.host === undefined }, (res) => {
        const chunks = [];
        let size = 0;
        const result = () => ({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') });
        const cut = setTimeout(() => (res.destroy(), finish(result())), STREAMING_CUT_MS);
        res.on('data', (c) => {
          if (size < BODY_KEPT_BYTES) chunks.push(c), (size += c.length);
        });
        res.on('end', () => (clearTimeout(cut), finish(result())));
        res.on('error', () => (clearTimeout(cut), finish(result())));
        res.on('close', () => (clearTimeout(cut), finish(result())));
      });
    } catch (err) {
      return resolve({ notSent: err.code ?? 'invalid' });
    }
    timer = setTimeout(() => (req.destroy(), finish({ timeout: true })), timeoutMs);
    req.on('error', (err) => finish({ error: err.code ?? err.message }));
    req.end(body);
  });
}

/** A lazily (re)opened h2c session to `port`; `track` gets each new session (destroyed at the phase's end). */
export function h2Sessions(port, track) {
  let session = null;
  return {
    get() {
      if (session === null || session.destroyed || session.closed) {
        session = http2.connect(`http://127.0.0.1:${port}`);
        session.on('error', () => {});
        track?.(session);
      }
      return session;
    },
    close() {
      session?.destroy();
      session = null;
    },
  };
}

export function h2Request(sessions, method, path, headers, body, timeoutMs) {
  return new Promise((resolve) => {
    let done = false;
    let timer = null;
    const finish = (v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    let stream;
    try {
      stream = sessions.get().request({ ':method': method, ':path': path, ...headers, 'content-length': body.length }, { endStream: false });
    } catch (err) {
      return resolve({ notSent: err.code ?? 'invalid' });
    }
    let status = null;
    const chunks = [];
    let size = 0;
    const result = () => (status === null ? { error: 'no response' } : { status, body: Buffer.concat(chunks).toString('utf8') });
    stream.on('response', (h) => {
      status = Number(h[':status']);
      setTimeout(() => (stream.close(http2.constants.NGHTTP2_CANCEL), finish(result())), STREAMING_CUT_MS).unref();
    });
    stream.on('data', (c) => {
      if (size < BODY_KEPT_BYTES) chunks.push(c), (size += c.length);
    });
    stream.on('end', () => finish(result()));
    stream.on('close', () => finish(status === null ? { error: `closed (code ${stream.rstCode})` } : result()));
    stream.on('error', (err) => finish(status === null ? { error: err.code === 'ERR_HTTP2_STREAM_ERROR' ? err.message.replace('Stream closed with error code ', '') : (err.code ?? err.message) } : result()));
    timer = setTimeout(() => (stream.close(http2.constants.NGHTTP2_CANCEL), finish({ timeout: true })), timeoutMs);
    stream.end(body);
  });
}

/** Whether a response is the body budget's retryable 503 (counted apart from faults). */
export const isBudget503 = (status, body) => status === 503 && /ServiceUnavailable/.test(body) && /request bodies/.test(body);
