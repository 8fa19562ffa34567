import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batch } from '../../../src/firehose/delivery/batch.js';
import { EndpointWriter, requestRanges } from '../../../src/firehose/http/endpoint-writer.js';
import { READ_RECORD_FIXED_BYTES } from '../../../src/shard/messages.js';

/** A READ reply section of records (seq, arrival, key, data), as a delivery's source hands them to a Batch. */
function section(records: Buffer[]): Uint8Array {
  const parts = records.map((data, i) => {
    const head = Buffer.alloc(READ_RECORD_FIXED_BYTES);
    head.writeDoubleLE(i + 1, 0);
    head.writeDoubleLE(1000 + i, 8);
    head.writeUInt16LE(0, 16);
    head.writeUInt32LE(data.length, 18);
    return Buffer.concat([head, data]);
  });
  return Buffer.concat(parts);
}

function batchOf(records: Buffer[]) {
  const b = new Batch(false, new Map([['log', 1]]), true);
  b.add('log', section(records), records.length, records.length + 1);
  return b.take();
}

const clock = { now: () => Date.now() };

describe('EndpointWriter against a real receiver', () => {
  let server: http.Server;
  let url: string;
  const requests: Array<{ id: string; records: string[] }> = [];
  /** What the receiver answers next: a list of statuses, then 200s. */
  let script: number[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { requestId: string; records: Array<{ data: string }> };
        requests.push({ id: body.requestId, records: body.records.map((r) => Buffer.from(r.data, 'base64').toString()) });
        const status = script.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: body.requestId, timestamp: Date.now(), ...(status === 200 ? {} : { errorMessage: `scripted ${status}` }) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const settings = (retryMs: number) => ({ url, retryMs, streamName: 'w', sourceArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/w', commonAttributes: [], contentEncoding: 'NONE' as const });

  it('delivers a batch in requests of at most 10,000 records, in order, with empty records too', async () => {
    requests.length = 0;
    const records = Array.from({ length: 25_000 }, (_, i) => Buffer.from(i % 1000 === 0 ? '' : `r${i}`));
    const writer = new EndpointWriter(settings(10_000), clock, () => undefined);
    const out = await writer.write(batchOf(records));
    writer.stop();
    expect(out).toEqual({ delivered: 25_000, failed: [], refused: [], stopped: false });
    expect(requests.map((r) => r.records.length)).toEqual([10_000, 10_000, 5_000]);
    expect(requests.flatMap((r) => r.records)).toEqual(records.map((r) => r.toString()));
    expect(new Set(requests.map((r) => r.id)).size).toBe(3);
  });

  it('retries with the same request id until the endpoint takes the records', async () => {
    requests.length = 0;
    script = [500, 503];
    const attempts: boolean[] = [];
    const writer = new EndpointWriter(settings(60_000), clock, () => undefined, (ok) => attempts.push(ok), () => 0);
    const out = await writer.write(batchOf([Buffer.from('a'), Buffer.from('b')]));
    writer.stop();
    expect(out.delivered).toBe(2);
    expect(attempts).toEqual([false, false, true]);
    expect(new Set(requests.map((r) => r.id)).size).toBe(1);
  }, 15_000);

  it('gives up after the retry window, and at once on a 413 (not to be backed up)', async () => {
    script = [500, 500, 500, 500, 500, 500];
    const writer = new EndpointWriter(settings(900), clock, () => undefined, undefined, () => 0);
    const out = await writer.write(batchOf([Buffer.from('a')]));
    expect(out.delivered).toBe(0);
    expect(out.failed).toHaveLength(1);
    expect(out.failed[0]).toMatchObject({ first: 0, count: 1, errorCode: 'HttpEndpoint.DestinationException' });
    expect(out.failed[0]!.errorMessage).toMatch(/^Received the following response from the endpoint destination\. 500: .*scripted 500/);
    expect(out.failed[0]!.attempts).toBeGreaterThanOrEqual(2);
    script = [413];
    const refused = await writer.write(batchOf([Buffer.from('b'), Buffer.from('c')]));
    expect(refused).toMatchObject({ delivered: 0, failed: [], refused: [{ first: 0, count: 2, attempts: 1 }] });
    writer.stop();
    script = [];
  }, 15_000);

  it('stops at once when told to, between retries and with a request out, without counting it as a failed attempt', async () => {
    const silent = http.createServer(() => undefined); // takes requests, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const attempts: boolean[] = [];
    const hung = new EndpointWriter({ ...settings(60_000), url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/` }, clock, () => undefined, (ok) => attempts.push(ok));
    const out = hung.write(batchOf([Buffer.from('a')]));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    hung.stop();
    expect((await out).stopped).toBe(true);
    expect(Date.now() - t0).toBeLessThan(200);
    expect(attempts).toEqual([]);
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('stops at once when told to, between retries', async () => {
    script = [500, 500, 500, 500];
    const writer = new EndpointWriter(settings(60_000), clock, () => undefined, undefined, () => 0);
    const pending = writer.write(batchOf([Buffer.from('a')]));
    await new Promise((r) => setTimeout(r, 200));
    writer.stop();
    expect((await pending).stopped).toBe(true);
    script = [];
  });

  it('splits at 64 MiB of body as well as at 10,000 records', () => {
    expect(requestRanges(new Uint32Array(3).fill(30 * 1024 * 1024))).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(requestRanges(new Uint32Array(0))).toEqual([]);
  });
});
