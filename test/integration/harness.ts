import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Decoder, encode as cborEncode } from 'cbor-x';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface RunningServer {
  port: number;
  streamPort: number;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (tests assert no stack traces leak). */
  stderr(): string;
  /** Everything it wrote to stdout so far (start-up and recovery reports). */
  stdout(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts the real server process (`riffle serve`) on ephemeral ports; with `openFiles`, under that
 * descriptor limit (`ulimit -n`, then exec: the child is the server itself).
 */
export async function startServer(args: string[] = [], options: { openFiles?: number } = {}): Promise<RunningServer> {
  // Durable unless told where: tests that do not name a data directory run in memory.
  const storage = args.some((a) => a.startsWith('--data-dir')) ? [] : ['--in-memory'];
  const argv = [CLI, 'serve', '--port', '0', '--stream-port', '0', ...storage, ...args];
  const child =
    options.openFiles === undefined
      ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('sh', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const ports = await new Promise<{ port: number; streamPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on https?:\/\/[\d.]+:(\d+) .* and https?:\/\/[\d.]+:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), streamPort: Number(m[2]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out} ${err}`));
    });
  });
  return {
    ...ports,
    child,
    stderr: () => err,
    stdout: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const credentials = { accessKeyId: 'AKIDRIFFLE', secretAccessKey: 'riffle-secret' };

/** The SDK's default client: HTTP/2 (h2c) request handler. */
export function h2Client(port: number): KinesisClient {
  return new KinesisClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
}

/** The SDK over HTTP/1.1 (NodeHttpHandler), as the CLI, boto3 and most proxies speak. */
export function h1Client(port: number): KinesisClient {
  return new KinesisClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
}

/** A raw AWS JSON 1.1 request, for inputs the SDK would refuse to send. */
export async function rawRequest(
  port: number,
  target: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: string; json: () => Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
      'x-amz-date': '20260101T000000Z',
      ...headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text, json: () => JSON.parse(text) as Record<string, unknown> };
}

const cborDecoder = new Decoder({ int64AsNumber: true, mapsAsObjects: true });

/** An AWS CBOR 1.1 request (application/x-amz-cbor-1.1), its answer decoded ({} for an empty body). */
export async function cborRequest(port: number, target: string, body: unknown): Promise<{ status: number; value: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-cbor-1.1',
      'x-amz-target': target,
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
      'x-amz-date': '20260101T000000Z',
    },
    body: cborEncode(body),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, value: buf.length === 0 ? {} : (cborDecoder.decode(buf) as Record<string, unknown>) };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
