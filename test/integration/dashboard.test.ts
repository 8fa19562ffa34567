import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { CreateStreamCommand, PutRecordsCommand, RegisterStreamConsumerCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, h2Client, startServer, uniqueName, type RunningServer } from './harness.js';
import { httpRequest } from './metrics-scrape.js';
import { CHROMIUM, needTool } from './tools.js';
import { bucketArn, firehoseClient, ROLE } from './firehose/helpers.js';

const chromium = await needTool(CHROMIUM);
const run = promisify(execFile);
/** Where the screenshot goes (git ignores it): look at it after a run. */
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

/** The records-in total the page shows for `stream` (its data-value), or null while it shows none. */
async function shownIncoming(page: Page, stream: string): Promise<number | null> {
  return page.evaluate((name) => {
    const cell = document.querySelector(`tr[data-stream="${CSS.escape(name)}"] .incoming-records`);
    return cell === null ? null : Number(cell.getAttribute('data-value'));
  }, stream);
}

describe.runIf(chromium)('the dashboard, in Chromium', () => {
  let server: RunningServer;
  let kinesis: KinesisClient;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer(['--lambda', `upper=${fileURLToPath(new URL('../unit/firehose/handlers/blueprint.cjs', import.meta.url))}`, '--s3-dir', mkdtempSync(join(tmpdir(), 'riffle-dash-s3-'))]);
    kinesis = h2Client(server.port);
    browser = await puppeteer.launch({ executablePath: chromium!.command, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    kinesis?.destroy();
    await server?.stop();
  });

  it('shows streams, shards and their counts live: records put after the page opened change the numbers on it', async () => {
    const stream = uniqueName('dash');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 3 }));
    await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`, ConsumerName: 'watcher' }));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await page.setViewport({ width: 1400, height: 1000 });
    await page.goto(`http://127.0.0.1:${server.streamPort}/`, { waitUntil: 'load' });
    await page.waitForFunction((name) => document.querySelector(`tr[data-stream="${CSS.escape(name)}"]`) !== null, { timeout: 10_000 }, stream);
    expect(await shownIncoming(page, stream)).toBe(0);

    for (let i = 0; i < 3; i++) {
      await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 50 }, (_, j) => ({ PartitionKey: `k${i}-${j}`, Data: Buffer.from(`record ${i}-${j}`) })) }));
    }
    // Frames come every second: the page shows the new total within a few.
    await page.waitForFunction(
      (name) => Number(document.querySelector(`tr[data-stream="${CSS.escape(name)}"] .incoming-records`)?.getAttribute('data-value')) === 150,
      { timeout: 10_000 },
      stream,
    );
    // Select the stream: its shards (hash ranges, owners), consumer and charts are shown.
    await page.click(`tr[data-stream="${stream}"]`);
    await page.waitForFunction(() => document.querySelectorAll('#shards tbody tr').length === 3, { timeout: 5000 });
    const shards = await page.$$eval('#shards tbody tr', (rows) => rows.map((r) => ({ id: r.getAttribute('data-shard'), incoming: Number((r.children[5] as HTMLElement).innerText) })));
    expect(shards.map((s) => s.id)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    expect(shards.reduce((n, s) => n + s.incoming, 0)).toBe(150);
    expect(await page.$eval('#detail-name', (e) => e.textContent)).toBe(stream);
    expect(await page.$$eval(`#consumers tbody tr[data-consumer="watcher"]`, (rows) => rows.length)).toBe(1);
    // Two more frames: the charts have points.
    const frames = Number(await page.$eval('body', (b) => b.getAttribute('data-frames')));
    await page.waitForFunction((n) => Number(document.body.getAttribute('data-frames')) >= n + 2, { timeout: 5000 }, frames);
    expect(await page.$$eval('#chart-in canvas', (c) => c.length)).toBe(1);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}dashboard.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows a delivery stream's Lambda transform: its calls and the records it returned Ok", async () => {
    const name = uniqueName('dash-fh');
    const firehose = firehoseClient(server.port);
    try {
      await firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          ExtendedS3DestinationConfiguration: {
            RoleARN: ROLE,
            BucketARN: bucketArn(name),
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
            ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: 'arn:aws:lambda:us-east-1:000000000000:function:upper' }, { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '0' }] }] },
          },
        }),
      );
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${server.streamPort}/`, { waitUntil: 'load' });
      await page.waitForFunction((n) => document.querySelector(`tr[data-delivery-stream="${CSS.escape(n)}"]`) !== null, { timeout: 10_000 }, name);
      await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: ['a', 'b', '', 'fail'].map((r) => ({ Data: Buffer.from(r) })) }));
      // Ok: a and b; the empty one dropped, 'fail' failed (the blueprint's rules).
      await page.waitForFunction((n) => document.querySelector(`tr[data-delivery-stream="${CSS.escape(n)}"] .transform`)?.getAttribute('data-value') === '2', { timeout: 10_000 }, name);
      expect(await page.$eval(`tr[data-delivery-stream="${name}"] .transform`, (e) => e.textContent)).toMatch(/^1 calls, 2 rec Ok, \d+\.\d ms$/);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      firehose.destroy();
    }
  }, 60_000);

  it("renders riffle bench's HTML report offline: its table and both charts, no request and no error", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'riffle-bench-html-')), 'report.json');
    await run(process.execPath, [CLI, 'bench', '--seconds', '0.4', '--concurrency', '2', '--batch', '20', '--only', 'SDK v3 default', '--out', out], { timeout: 90_000 });
    const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ label: string }> };
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    // Self-contained: nothing is fetched beyond the file itself.
    await page.setRequestInterception(true);
    page.on('request', (r) => (r.url().startsWith('file:') ? r.continue() : (problems.push(`fetched ${r.url()}`), r.abort())));
    await page.goto(`file://${out.replace(/\.json$/, '.html')}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.getAttribute('data-rendered') === 'yes', { timeout: 10_000 });
    expect(await page.$$eval('#results tbody tr', (rows) => rows.map((r) => (r.children[1] as HTMLElement).innerText))).toEqual(report.results.map((r) => r.label));
    expect(await page.$$eval('#throughput canvas', (c) => c.length)).toBe(1);
    expect(await page.$$eval('#latency canvas', (c) => c.length)).toBe(1);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}bench-report.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('refuses the live feed to a page of another origin, and serves no page on the AWS port', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.streamPort}/dashboard/live`, { headers: { origin: 'http://evil.example' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(403);
    const aws = await httpRequest(server.port, { method: 'GET', path: '/' });
    expect(aws.status).toBe(403);
    expect(aws.body).not.toContain('<html');
  });
});

describe('--no-dashboard', () => {
  it('serves no page at /, keeps /metrics and /health', async () => {
    const server = await startServer(['--no-dashboard']);
    try {
      const page = await httpRequest(server.streamPort, { method: 'GET', path: '/' });
      expect(page.status).toBe(403);
      expect(page.body).not.toContain('<html');
      expect((await httpRequest(server.streamPort, { method: 'GET', path: '/dashboard/app.js' })).status).toBe(403);
      expect((await httpRequest(server.streamPort, { method: 'GET', path: '/metrics' })).status).toBe(200);
      expect((await httpRequest(server.streamPort, { method: 'GET', path: '/health' })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('under --auth sigv4', () => {
  it('serves the pages and the live feed unsigned, as LocalStack serves its health endpoint; AWS calls still need signatures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-dash-auth-'));
    const file = join(dir, 'credentials');
    writeFileSync(file, 'AKIDDASH secretdash\n');
    const server = await startServer(['--auth', 'sigv4', '--credentials', file]);
    try {
      expect((await httpRequest(server.port, { method: 'GET', path: '/metrics' })).status).toBe(200);
      expect((await httpRequest(server.streamPort, { method: 'GET', path: '/health' })).status).toBe(200);
      expect((await httpRequest(server.streamPort, { method: 'GET', path: '/' })).body).toContain('<title>Riffle</title>');
      const frame = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.streamPort}/dashboard/live`);
        ws.once('message', (data) => {
          resolve(JSON.parse(String(data)) as Record<string, unknown>);
          ws.close();
        });
        ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
      });
      expect(frame).toMatchObject({ streams: [], deliveryStreams: [] });
      // An unsigned AWS call is still refused.
      const call = await httpRequest(server.port, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams' }, body: '{}' });
      expect(call.body).toContain('MissingAuthenticationToken');
    } finally {
      await server.stop();
    }
  });
});
