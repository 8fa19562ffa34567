import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ListStreamsCommand, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import { h1Client, startServer, uniqueName, type RunningServer } from './harness.js';
import { parseResponses, RawConnection } from './raw-http.js';

// Malformed HTTP/1.1 on both ports of the real server, from raw sockets: the AWS port (node:http,
// whose answers are the reference) and the stream port (µWS 20.30 behind server/uws-adapter.ts).
// Each case asserts the status line, whether the connection closes or stays usable, and that the
// server goes on serving an SDK request on that port.

let server: RunningServer;
const STREAM = uniqueName('parity');
// A small body budget (the smallest allowed), so a HEAD's body can be refused (the HEAD case).
beforeAll(async () => {
  server = await startServer(['--request-bodies-bytes', '4096']);
  await h1Client(server.port).send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
});
afterAll(async () => {
  expect(server.stderr()).not.toMatch(/TypeError|internal failure|Error:/);
  await server.stop();
});

const PORTS = [
  ['node:http', () => server.port],
  ['µWS', () => server.streamPort],
] as const;

/** A refusal arrives at once; µWS's own idle timeout for a request it cannot parse is 10 s. */
const ANSWER_MS = 5_000;
const UWS_IDLE_MS = 30_000;

const SIGNED =
  'Content-Type: application/x-amz-json-1.1\r\n' +
  'Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc\r\n' +
  'X-Amz-Date: 20260101T000000Z\r\n';

/**
 * A Kinesis call as raw HTTP/1.1. `framing` is the header lines that say how long the body is,
 * `sent` the body as it goes on the wire (chunked, say); by default a plain Content-Length.
 */
function call(target: string, body: string, framing?: string, sent = body): string {
  const lines = framing ?? `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n${SIGNED}X-Amz-Target: Kinesis_20131202.${target}\r\n${lines}\r\n${sent}`;
}
const LIST = call('ListStreams', '{}');
const CHUNKED_LIST = (coding: string): string => call('ListStreams', '{}', `Transfer-Encoding: ${coding}\r\n`, '2\r\n{}\r\n0\r\n\r\n');

async function stillServes(port: number): Promise<void> {
  expect(server.alive()).toBe(true);
  const out = await h1Client(port).send(new ListStreamsCommand({}));
  expect(out.StreamNames).toContain(STREAM);
}

/** node's refusal: the status line, Connection: close, no body, and the connection closed. */
async function expectRefused(port: number, request: string, statusLine: string): Promise<void> {
  const conn = await RawConnection.open(port);
  conn.write(request);
  await conn.closedByServer(ANSWER_MS);
  const { responses, rest } = parseResponses(conn.received);
  expect(responses.map((r) => r.statusLine)).toEqual([statusLine]);
  expect(responses[0]?.headers.connection).toBe('close');
  expect(responses[0]?.body.length).toBe(0);
  expect(rest.toString('latin1')).toBe('');
}

/** Served: ListStreams' 200, and a second request on the same connection served too. */
async function expectServed(port: number, request: string): Promise<void> {
  const conn = await RawConnection.open(port);
  conn.write(request);
  conn.write(LIST);
  const [first, second] = await conn.responses(2, ANSWER_MS);
  expect([first?.statusLine, second?.statusLine]).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
  expect(JSON.parse(String(first?.body))).toMatchObject({ StreamNames: expect.arrayContaining([STREAM]) });
  expect(conn.closed).toBe(false);
  conn.destroy();
}

describe('framing node refuses, refused on both ports: the status, no body, the connection closed', () => {
  it('two Content-Length headers, equal or not (µWS framed the body by the first)', async () => {
    for (const [, port] of PORTS) {
      await expectRefused(port(), call('ListStreams', '{}', 'Content-Length: 2\r\nContent-Length: 2\r\n'), 'HTTP/1.1 400 Bad Request');
      await expectRefused(port(), call('ListStreams', '{}', 'Content-Length: 2\r\nContent-Length: 3\r\n'), 'HTTP/1.1 400 Bad Request');
      await stillServes(port());
    }
  });

  it('an empty Content-Length (µWS read it as no body)', async () => {
    for (const [, port] of PORTS) {
      await expectRefused(port(), call('ListStreams', '{}', 'Content-Length: \r\n'), 'HTTP/1.1 400 Bad Request');
      await stillServes(port());
    }
  });

  it('Transfer-Encoding: xchunked (µWS read any Transfer-Encoding as chunked)', async () => {
    for (const [, port] of PORTS) {
      await expectRefused(port(), CHUNKED_LIST('xchunked'), 'HTTP/1.1 400 Bad Request');
      await stillServes(port());
    }
  });

  it('chunked that is not the one final coding is refused; as the final coding it is served', async () => {
    // What node 20's parser does with each, measured (RFC 9112 §6.3 asks for the 400 and a close).
    const refused = ['identity', 'gzip', 'chunked, gzip', 'chunked, chunked', 'chunked,', 'chunked;q=1', ''];
    const served = ['chunked', 'CHUNKED', 'gzip, chunked', ',chunked'];
    for (const [, port] of PORTS) {
      for (const coding of refused) await expectRefused(port(), CHUNKED_LIST(coding), 'HTTP/1.1 400 Bad Request');
      for (const coding of served) await expectServed(port(), CHUNKED_LIST(coding));
      // Two lines, chunked last: the lines are one list.
      await expectServed(port(), call('ListStreams', '{}', 'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', '2\r\n{}\r\n0\r\n\r\n'));
      await expectRefused(port(), call('ListStreams', '{}', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n', '2\r\n{}\r\n0\r\n\r\n'), 'HTTP/1.1 400 Bad Request');
      await stillServes(port());
    }
  });

  it('a header block of node’s 16 KiB (http.maxHeaderSize) gets 431; one well under it is served', async () => {
    // Sent in one write, so µWS gets the block in one read (a block it has to gather from several
    // reads it drops past 4 KiB itself, silently).
    for (const [, port] of PORTS) {
      await expectRefused(port(), call('ListStreams', '{}', `X-Big: ${'a'.repeat(17_000)}\r\nContent-Length: 2\r\n`), 'HTTP/1.1 431 Request Header Fields Too Large');
      await expectServed(port(), call('ListStreams', '{}', `X-Big: ${'a'.repeat(15_000)}\r\nContent-Length: 2\r\n`));
      await stillServes(port());
    }
  });

  it('a request pipelined behind a refused one is never served (no smuggling past ambiguous framing)', async () => {
    // µWS would have taken the first Content-Length (0), no body for an empty one, and chunked for
    // xchunked: each way the CreateStream after the headers was a request of its own.
    const frames = ['Content-Length: 0\r\nContent-Length: ', 'Content-Length: \r\nX-Length: ', 'Transfer-Encoding: xchunked\r\nX-Length: '];
    for (const [label, port] of PORTS) {
      for (const frame of frames) {
        const name = uniqueName('smuggled');
        const smuggled = call('CreateStream', JSON.stringify({ StreamName: name, ShardCount: 1 }));
        const conn = await RawConnection.open(port());
        conn.write(call('ListStreams', smuggled, `${frame}${smuggled.length}\r\n`, (frame.includes('xchunked') ? '0\r\n\r\n' : '') + smuggled));
        // Closed, or (a server that reads the request twice) two answers.
        await conn.until(() => parseResponses(conn.received).responses.length >= 2, ANSWER_MS);
        await expect(h1Client(port()).send(new DescribeStreamSummaryCommand({ StreamName: name }))).rejects.toBeInstanceOf(ResourceNotFoundException);
        expect(conn.closed).toBe(true);
        // node answers 400 before it closes. µWS cannot: the smuggled request in the same read
        // reaches µWS while the refusal waits (see refuseFraming), and µWS closes the connection
        // at a request behind a pending one, unanswered.
        expect(conn.received.toString('latin1').split('\r\n')[0]).toBe(label === 'µWS' ? '' : 'HTTP/1.1 400 Bad Request');
      }
      await stillServes(port());
    }
  });
});

describe('HEAD', () => {
  it('is answered with headers only: on a keep-alive connection, and when its body is refused', async () => {
    const head = LIST.replace('POST', 'HEAD');
    for (const [, port] of PORTS) {
      // The answer's Content-Length is the body a POST would get; none of it is sent, so the next
      // response on the connection parses.
      const conn = await RawConnection.open(port());
      conn.write(head + LIST);
      const [first, second] = await conn.responses(2, ANSWER_MS, [true]);
      expect(first?.statusLine).toBe('HTTP/1.1 403 Forbidden');
      expect(Number(first?.headers['content-length'])).toBeGreaterThan(0);
      expect(second?.statusLine).toBe('HTTP/1.1 200 OK');
      expect(JSON.parse(String(second?.body))).toMatchObject({ StreamNames: expect.arrayContaining([STREAM]) });
      // A body past --request-bodies-bytes: 503, its error document not sent, and the connection
      // goes on after the rest of the body (both ports read it and drop it).
      conn.write(`HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(5000)}${LIST}`);
      const [, , refused, after] = await conn.responses(4, ANSWER_MS, [true, false, true]);
      expect(refused?.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
      expect(refused?.headers['x-amzn-errortype']).toBe('ServiceUnavailable');
      expect(after?.statusLine).toBe('HTTP/1.1 200 OK');
      expect(parseResponses(conn.received, [true, false, true]).rest.length).toBe(0);
      expect(conn.closed).toBe(false);
      conn.destroy();
      // Past the body limit, 413 and no body either (µWS then closes, as after any 413).
      const big = await RawConnection.open(port());
      big.write(`HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${32 * 1024 * 1024}\r\n\r\n`);
      const [tooLarge] = await big.responses(1, ANSWER_MS, [true]);
      expect(tooLarge?.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
      expect(parseResponses(big.received, [true]).rest.length).toBe(0);
      big.destroy();
      await stillServes(port());
    }
  });
});

// What µWS 20.30 refuses or cannot parse by itself: the adapter never sees the request, or (a
// Content-Length that is not a number) µWS closes the connection as soon as the handler returns,
// dropping any answer it wrote. No hook of uWebSockets.js shows the raw bytes or flushes an answer
// first, so the stream port cannot answer these as node does. The tests record what each port
// does (node's answer; µWS's close without a byte, the request not served); a µWS that answers
// them would fail here, and the adapter could then be held to node's answers.
describe.concurrent('what µWS handles before the adapter can answer (recorded, not fixable above µWS)', () => {
  /** node: `nodeStatus` first. µWS: closed without a byte within `uwsCloseMs`. */
  async function expectUnanswered(request: string, uwsCloseMs: number, nodeStatus = 'HTTP/1.1 400 Bad Request'): Promise<void> {
    if (nodeStatus.endsWith('400 Bad Request')) await expectRefused(server.port, request, nodeStatus);
    else {
      const node = await RawConnection.open(server.port);
      node.write(request);
      const [answer] = await node.responses(1, ANSWER_MS);
      expect(answer?.statusLine).toBe(nodeStatus);
      node.destroy();
    }
    const conn = await RawConnection.open(server.streamPort);
    conn.write(request);
    await conn.closedByServer(uwsCloseMs);
    expect(conn.received.length).toBe(0);
    for (const [, port] of PORTS) await stillServes(port());
  }
  const IDLE_TEST_MS = UWS_IDLE_MS + 10_000;

  // µWS refuses these itself, at once, closing the connection.
  it('Content-Length with Transfer-Encoding: chunked', () => expectUnanswered(call('ListStreams', '{}', 'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n', '2\r\n{}\r\n0\r\n\r\n'), ANSWER_MS));
  it('a non-numeric Content-Length', () => expectUnanswered(call('ListStreams', '{}', 'Content-Length: two\r\n'), ANSWER_MS));
  it('a negative Content-Length', () => expectUnanswered(call('ListStreams', '{}', 'Content-Length: -2\r\n'), ANSWER_MS));

  // µWS never finds the end of these headers (it needs CR LF after every line) and waits for
  // more until its idle timeout (10 s) closes the connection.
  it('LF-only line ends', () => expectUnanswered(LIST.replaceAll('\r\n', '\n'), UWS_IDLE_MS), IDLE_TEST_MS);
  it('obs-fold (a header continued on the next line)', () => expectUnanswered(call('ListStreams', '{}', 'X-Folded: a\r\n b\r\nContent-Length: 2\r\n'), UWS_IDLE_MS), IDLE_TEST_MS);
  it('a bare CR inside a header value', () => expectUnanswered(call('ListStreams', '{}', 'X-Cr: a\rb\r\nContent-Length: 2\r\n'), UWS_IDLE_MS), IDLE_TEST_MS);

  // Well-formed requests node serves and this µWS never parses either (found on the way).
  it('49 header lines or more (µWS 20.30 parses into 50 entries: the request line, 48 headers, an end mark)', () => {
    // 49 lines: the five of call(), 43, and Content-Length.
    const many = Array.from({ length: 43 }, (_, i) => `X-H${i}: v\r\n`).join('');
    return expectUnanswered(call('ListStreams', '{}', `${many}Content-Length: 2\r\n`), UWS_IDLE_MS, 'HTTP/1.1 200 OK');
  }, IDLE_TEST_MS);
  it('HTTP/1.0', () => expectUnanswered(LIST.replace('HTTP/1.1', 'HTTP/1.0'), UWS_IDLE_MS, 'HTTP/1.1 200 OK'), IDLE_TEST_MS);
});
