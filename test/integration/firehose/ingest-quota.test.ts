// DirectPut ingest against AWS's default per-delivery-stream quotas (5,000 records/s, 5 MiB/s,
// 2,000 calls/s; FIREHOSE-FACTS 1.2): what fits is acknowledged, what does not is answered
// ServiceUnavailableException "Slow down." per record, as AWS answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand, type FirehoseClient, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../harness.js';
import { bucketArn, firehoseClient, ROLE } from './helpers.js';

const s3Dir = mkdtempSync(join(tmpdir(), 'riffle-fhquota-'));
const servers: RunningServer[] = [];
const clients: FirehoseClient[] = [];
afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const s of servers) await s.stop();
  rmSync(s3Dir, { recursive: true, force: true });
});

async function serve(args: string[] = []): Promise<FirehoseClient> {
  const server = await startServer(['--s3-dir', s3Dir, ...args]);
  servers.push(server);
  const client = firehoseClient(server.port);
  clients.push(client);
  return client;
}

async function create(client: FirehoseClient, name: string): Promise<void> {
  await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('quota') } }));
}

const put = (client: FirehoseClient, name: string, count: number, bytes: number): Promise<PutRecordBatchCommandOutput> =>
  client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: Array.from({ length: count }, () => ({ Data: Buffer.alloc(bytes, 0x61) })) }));

/** Each failed entry as `index ErrorCode: ErrorMessage`. */
const failures = (out: PutRecordBatchCommandOutput): string[] =>
  (out.RequestResponses ?? []).flatMap((r, i) => (r.RecordId === undefined ? [`${i} ${r.ErrorCode}: ${r.ErrorMessage}`] : []));

describe('Firehose ingest quotas', () => {
  // The internal log is unmetered (SHARD_FLAG_UNMETERED): only Firehose's own quotas apply, not
  // Kinesis' per-shard 1 MiB/s and 1,000 records/s (a header-flag bug once let those through).
  it('acknowledges what AWS default quotas allow: 1.05 MB in one call, and 2,000 records within a second', async () => {
    const client = await serve();
    await create(client, 'big-call');
    const big = await put(client, 'big-call', 300, 3500); // 1,050,000 bytes: under 4 MiB per call and 5 MiB/s
    expect(failures(big)).toEqual([]);
    expect(big.FailedPutCount).toBe(0);
    await create(client, 'many-records');
    const outs = [];
    for (let i = 0; i < 4; i++) outs.push(await put(client, 'many-records', 500, 10)); // 2,000 records: under 5,000/s
    expect(outs.map((o) => o.FailedPutCount)).toEqual([0, 0, 0, 0]);
  });

  it('answers the records over the delivery stream quota with ServiceUnavailableException "Slow down.", after the ones that fit', async () => {
    // 400 records/s: below the internal log's 1,000/s, so only the delivery stream's own quota speaks.
    const client = await serve(['--firehose-records-per-sec', '400']);
    await create(client, 'slow-down');
    const first = await put(client, 'slow-down', 300, 10);
    expect(first.FailedPutCount).toBe(0);
    const second = await put(client, 'slow-down', 300, 10);
    const failed = failures(second);
    // ~100 tokens were left (plus what refilled between the calls, a few ms): the rest are refused, in order.
    expect(failed.length).toBeGreaterThanOrEqual(150);
    expect(failed.length).toBeLessThan(300);
    expect(second.FailedPutCount).toBe(failed.length);
    const okCount = 300 - failed.length;
    expect(failed).toEqual(Array.from({ length: failed.length }, (_, i) => `${okCount + i} ServiceUnavailableException: Slow down.`));
  });
});
