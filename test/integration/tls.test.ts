import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListStreamsCommand, PutRecordCommand, RegisterStreamConsumerCommand, SubscribeToShardCommand } from '@aws-sdk/client-kinesis';
import { FirehoseClient, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { CLI, credentials, startServer, type RunningServer } from './harness.js';
import { AWS_CLI_V2, needTool, OPENSSL, PYTHON_WITH_BOTO3 } from './tools.js';

// --tls-cert / --tls-key: both ports serve TLS only, with a certificate this test makes (openssl)
// and each client trusting it: the AWS port HTTPS with HTTP/2 (by ALPN; SubscribeToShard's event
// stream too) and HTTP/1.1, the stream port HTTPS/1.1 and wss.
const run = promisify(execFile);
const openssl = await needTool(OPENSSL, { tests: 'TLS on both ports' });
const aws = await needTool(AWS_CLI_V2, { tests: 'the AWS CLI over TLS' });
const python = await needTool(PYTHON_WITH_BOTO3, { tests: 'boto3 over TLS' });

describe.runIf(openssl !== undefined)('TLS', () => {
  let server: RunningServer;
  let dir: string;
  let ca: Buffer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'riffle-tls-'));
    await run(openssl!.command, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    ca = readFileSync(join(dir, 'cert.pem'));
    server = await startServer(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = (port: number) => ({ endpoint: `https://127.0.0.1:${port}`, region: 'us-east-1', credentials, maxAttempts: 1 });

  it('says https in its start-up line', () => {
    expect(server.stdout()).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+ \(AWS API, HTTP\/1\.1 \+ HTTP\/2 by ALPN\) and https:\/\/127\.0\.0\.1:\d+/);
  });

  it('serves the AWS port over HTTP/2 by ALPN, SubscribeToShard included, and over HTTP/1.1', async () => {
    const h2 = new KinesisClient({ ...base(server.port), requestHandler: new NodeHttp2Handler({ nodeHttp2ConnectOptions: { ca } }) });
    const h1 = new KinesisClient({ ...base(server.port), requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }) });
    await h2.send(new CreateStreamCommand({ StreamName: 'secure', ShardCount: 1 }));
    await h1.send(new PutRecordCommand({ StreamName: 'secure', PartitionKey: 'k', Data: Buffer.from('over tls') }));
    expect((await h1.send(new ListStreamsCommand({}))).StreamNames).toEqual(['secure']);
    const arn = (await h2.send(new DescribeStreamSummaryCommand({ StreamName: 'secure' }))).StreamDescriptionSummary?.StreamARN as string;
    const consumer = (await h2.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'tls' }))).Consumer?.ConsumerARN as string;
    const abort = new AbortController();
    const sub = await h2.send(new SubscribeToShardCommand({ ConsumerARN: consumer, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }), { abortSignal: abort.signal });
    for await (const ev of sub.EventStream ?? []) {
      expect(ev.SubscribeToShardEvent?.Records?.map((r) => Buffer.from(r.Data as Uint8Array).toString())).toEqual(['over tls']);
      break;
    }
    abort.abort();
    // The protocol each ALPN offer gets (NodeHttp2Handler above speaks only HTTP/2: http2.connect).
    const alpn = (protocols: string[]) =>
      new Promise<string | false>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost', ALPNProtocols: protocols }, () => (resolve(s.alpnProtocol ?? false), s.end()));
        s.once('error', reject);
      });
    expect(await alpn(['h2', 'http/1.1'])).toBe('h2');
    expect(await alpn(['http/1.1'])).toBe('http/1.1');
  });

  it('serves the stream port over HTTPS/1.1 and wss, and Firehose over HTTPS', async () => {
    const uws = new KinesisClient({ ...base(server.streamPort), requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }) });
    expect((await uws.send(new ListStreamsCommand({}))).StreamNames).toEqual(['secure']);
    const firehose = new FirehoseClient({ ...base(server.port), requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }) });
    expect((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual([]);
    // A frame too short to be one answers with an error frame: a round trip over wss.
    const ws = new WebSocket(`wss://127.0.0.1:${server.streamPort}/ingest`, { ca });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const reply = new Promise<Buffer>((resolve) => ws.once('message', (d: Buffer) => resolve(d)));
    ws.send(Buffer.from([1, 1, 0]));
    expect((await reply).length).toBeGreaterThan(0);
    ws.close();
  });

  it('serves /metrics, /health and the dashboard over TLS only', async () => {
    const get = (port: number, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, path, ca, servername: 'localhost' }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).once('error', reject);
      });
    for (const port of [server.port, server.streamPort]) {
      expect((await get(port, '/health')).body).toContain('"status":"ok"');
      expect((await get(port, '/metrics')).body).toContain('aws_kinesis_incoming_records_total{stream_name="secure"} 1');
      const plain = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.status, (e: Error) => e.name);
      expect(plain).not.toBe(200);
    }
    expect((await get(server.streamPort, '/')).body).toContain('<title>Riffle</title>');
    const ws = new WebSocket(`wss://127.0.0.1:${server.streamPort}/dashboard/live`, { ca });
    const frame = await new Promise<Record<string, unknown>>((resolve, reject) => (ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)), ws.once('error', reject)));
    expect((frame.streams as Array<{ name: string }>).map((s) => s.name)).toEqual(['secure']);
    ws.close();
  });

  it('refuses clients that do not trust the certificate, and cleartext, and stays up', async () => {
    const untrusting = new KinesisClient({ ...base(server.port), requestHandler: new NodeHttpHandler() });
    await expect(untrusting.send(new ListStreamsCommand({}))).rejects.toThrow(/self[- ]signed/i);
    for (const port of [server.port, server.streamPort]) {
      const plain = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then((r) => r.status, (e: Error) => e.name);
      expect(plain).not.toBe(200);
    }
    const h1 = new KinesisClient({ ...base(server.port), requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }) });
    expect((await h1.send(new ListStreamsCommand({}))).StreamNames).toEqual(['secure']);
    expect(server.alive()).toBe(true);
  });

  it('closes a connection that does not finish its TLS handshake within 10 s', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    const started = Date.now();
    await new Promise((r) => socket.once('close', r));
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    expect(Date.now() - started).toBeLessThan(14_000);
  }, 20_000);

  it.runIf(aws !== undefined)('takes the AWS CLI with --ca-bundle', async () => {
    const { stdout } = await run(aws!.command, ['kinesis', 'list-streams', '--endpoint-url', `https://127.0.0.1:${server.port}`, '--ca-bundle', join(dir, 'cert.pem'), '--region', 'us-east-1', '--output', 'json'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'any', AWS_SECRET_ACCESS_KEY: 'any', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' },
    });
    expect(JSON.parse(stdout).StreamNames).toEqual(['secure']);
  });

  it.runIf(python !== undefined)('takes boto3 with verify= the certificate, on both ports', async () => {
    const script = `import boto3, sys\nfor port in sys.argv[2:]:\n    c = boto3.client("kinesis", endpoint_url=f"https://127.0.0.1:{port}", region_name="us-east-1", aws_access_key_id="any", aws_secret_access_key="any", verify=sys.argv[1])\n    print(",".join(c.list_streams()["StreamNames"]))\n`;
    const { stdout } = await run(python!.command, ['-c', script, join(dir, 'cert.pem'), String(server.port), String(server.streamPort)]);
    expect(stdout.trim().split('\n')).toEqual(['secure', 'secure']);
  });
});

describe('TLS options', () => {
  const start = (args: string[]) =>
    run(process.execPath, [CLI, 'serve', '--port', '0', '--stream-port', '0', '--in-memory', ...args], { timeout: 15_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );

  it('refuses a certificate without a key, a missing file, and a key that is not the certificate’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-tls-bad-'));
    try {
      writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
      expect(await start(['--tls-cert', join(dir, 'junk.pem')])).toEqual({ code: 2, stderr: 'riffle: --tls-cert and --tls-key go together\n' });
      const missing = await start(['--tls-cert', join(dir, 'nope.pem'), '--tls-key', join(dir, 'nope.pem')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^riffle: --tls-cert\/--tls-key: ENOENT/);
      const junk = await start(['--tls-cert', join(dir, 'junk.pem'), '--tls-key', join(dir, 'junk.pem')]);
      expect(junk.code).toBe(2);
      expect(junk.stderr).toMatch(/^riffle: --tls-cert .*junk\.pem \/ --tls-key .*junk\.pem: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
