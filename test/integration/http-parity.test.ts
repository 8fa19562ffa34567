import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
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

/** Answers arrive at once. */
const ANSWER_MS = 5_000;

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

async function stillServes(port: number): Promise<void> {
  expect(server.alive()).toBe(true);
  const out = await h1Client(port).send(new ListStreamsCommand({}));
  expect(out.StreamNames).toContain(STREAM);
}

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
