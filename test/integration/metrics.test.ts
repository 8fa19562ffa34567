import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  DescribeStreamConsumerCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type KinesisClient,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Client, startServer, uniqueName, type RunningServer } from './harness.js';
import { bucketArn, firehoseClient, objectsIn, ROLE, waitFor } from './firehose/helpers.js';
import { httpRequest, scrape, scrapeUntil } from './metrics-scrape.js';
import { needTool, PYTHON_WITH_PROMETHEUS_CLIENT } from './tools.js';

const python = await needTool(PYTHON_WITH_PROMETHEUS_CLIENT);
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const B = 300;
const payload = (i: number): Buffer => Buffer.alloc(B, 97 + (i % 26));

async function putBatch(kinesis: KinesisClient, stream: string, n: number, bytes = B): Promise<PutRecordsCommandOutput> {
  return kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.alloc(bytes, 120) })) }));
}

async function waitForActive(kinesis: KinesisClient, streamArn: string, names: string[]): Promise<void> {
  for (const name of names) {
    for (let i = 0; i < 100; i++) {
      const d = await kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
      if (d.ConsumerDescription?.ConsumerStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe.runIf(python)('GET /metrics and /health', () => {
  let server: RunningServer;
  let kinesis: KinesisClient;
  const s3Dir = mkdtempSync(join(tmpdir(), 'riffle-metrics-s3-'));
  const prom = (port?: number) => scrape(python!.command, port ?? server.port);

  beforeAll(async () => {
    server = await startServer(['--s3-dir', s3Dir]);
    kinesis = h2Client(server.port);
  });
  afterAll(async () => {
    kinesis?.destroy();
    await server?.stop();
  });

  it('counts N records of B bytes put: the stream-level CloudWatch metrics say N and N·B, on both ports', async () => {
    const stream = uniqueName('mput');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    for (let c = 0; c < 3; c++) {
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 100 }, (_, i) => ({ PartitionKey: `p${c}-${i}`, Data: payload(i) })) }));
      expect(out.FailedRecordCount).toBe(0);
    }
    for (let i = 0; i < 5; i++) await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: `single-${i}`, Data: payload(i) }));

    for (const port of [server.port, server.streamPort]) {
      const m = await prom(port);
      expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      const s = { stream_name: stream };
      expect(m.value('aws_kinesis_incoming_records_total', s)).toBe(305);
      expect(m.value('aws_kinesis_incoming_bytes_total', s)).toBe(305 * B);
      expect(m.value('aws_kinesis_put_records_successful_records_total', s)).toBe(300);
      expect(m.value('aws_kinesis_put_records_total_records_total', s)).toBe(300);
      expect(m.value('aws_kinesis_put_records_failed_records_total', s)).toBe(0);
      expect(m.value('aws_kinesis_put_records_throttled_records_total', s)).toBe(0);
      expect(m.value('aws_kinesis_put_records_bytes_total', s)).toBe(300 * B);
      expect(m.value('aws_kinesis_put_records_success_total', s)).toBe(3);
      expect(m.value('aws_kinesis_put_record_success_total', s)).toBe(5);
      expect(m.value('aws_kinesis_put_record_bytes_total', s)).toBe(5 * B);
      expect(m.value('aws_kinesis_put_records_latency_seconds_count', s)).toBe(3);
      expect(m.value('aws_kinesis_put_records_latency_seconds_bucket', { ...s, le: '+Inf' })).toBe(3);
      expect(m.type('aws_kinesis_put_records_latency_seconds')).toBe('histogram');
      expect(m.type('aws_kinesis_incoming_records')).toBe('counter');
      // Without enhanced monitoring there are no shard-level series, as on AWS.
      expect(m.shardSeries('aws_kinesis_incoming_records_total', stream)).toEqual([]);
    }
  });

  it('reports the shard-level metrics EnableEnhancedMonitoring asks for, and only those', async () => {
    const stream = uniqueName('mshard');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 3 }));
    await putBatch(kinesis, stream, 90);
    await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ['IncomingRecords'] }));
    let m = await prom();
    const perShard = m.shardSeries('aws_kinesis_incoming_records_total', stream);
    expect(perShard.map((s) => s.labels.shard_id).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    expect(perShard.reduce((n, s) => n + s.value, 0)).toBe(90);
    expect(m.shardSeries('aws_kinesis_incoming_bytes_total', stream)).toEqual([]);

    // Reads: GetRecords on every shard, then ALL shard-level metrics.
    let read = 0;
    let readCalls = 0;
    for (const shardId of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']) {
      const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      read += got.Records?.length ?? 0;
      readCalls++;
    }
    expect(read).toBe(90);
    await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ['ALL'] }));
    m = await prom();
    const s = { stream_name: stream };
    expect(m.value('aws_kinesis_get_records_records_total', s)).toBe(90);
    expect(m.value('aws_kinesis_get_records_bytes_total', s)).toBe(90 * B);
    expect(m.value('aws_kinesis_get_records_success_total', s)).toBe(readCalls);
    expect(m.value('aws_kinesis_get_records_latency_seconds_count', s)).toBe(readCalls);
    const out = m.shardSeries('aws_kinesis_outgoing_records_total', stream);
    expect(out).toHaveLength(3);
    expect(out.reduce((n, x) => n + x.value, 0)).toBe(90);
    expect(m.shardSeries('aws_kinesis_outgoing_bytes_total', stream).reduce((n, x) => n + x.value, 0)).toBe(90 * B);
    expect(m.shardSeries('aws_kinesis_incoming_bytes_total', stream).reduce((n, x) => n + x.value, 0)).toBe(90 * B);
    expect(m.shardSeries('aws_kinesis_iterator_age_milliseconds', stream)).toHaveLength(3);
  });

  it('counts enhanced fan-out per event sent to each consumer: OutgoingRecords, SubscribeToShardEvent.Records and .Bytes (data only)', async () => {
    const stream = uniqueName('mefo');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ['OutgoingRecords', 'OutgoingBytes'] }));
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
    const consumers = ['c1', 'c2', 'c3'];
    const arns: string[] = [];
    for (const name of consumers) arns.push((await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: name }))).Consumer!.ConsumerARN!);
    await waitForActive(kinesis, arn, consumers);
    // All three subscribe at the tip: one owner read feeds them all.
    const aborts = arns.map(() => new AbortController());
    const seen = await Promise.all(
      arns.map(async (consumerArn, i) => {
        const sub = await kinesis.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }), { abortSignal: aborts[i]!.signal });
        return sub;
      }),
    ).then((subs) =>
      Promise.all([
        ...subs.map(async (sub) => {
          let n = 0;
          for await (const ev of sub.EventStream ?? []) {
            n += ev.SubscribeToShardEvent?.Records?.length ?? 0;
            if (n >= 40) break;
          }
          return n;
        }),
        (async () => {
          await new Promise((r) => setTimeout(r, 200));
          await putBatch(kinesis, stream, 40, 250);
        })(),
      ]),
    );
    for (const a of aborts) a.abort();
    expect(seen.slice(0, 3)).toEqual([40, 40, 40]);
    const m = await scrapeUntil(python!.command, server.port, (x) => x.shardSeries('aws_kinesis_outgoing_records_total', stream)[0]?.value === 120);
    expect(m.shardSeries('aws_kinesis_outgoing_records_total', stream).map((x) => x.value)).toEqual([120]);
    expect(m.shardSeries('aws_kinesis_outgoing_bytes_total', stream).map((x) => x.value)).toEqual([120 * 250]);
    for (const name of consumers) {
      const c = { stream_name: stream, consumer_name: name };
      expect(m.value('aws_kinesis_subscribe_to_shard_event_records_total', c)).toBe(40);
      expect(m.value('aws_kinesis_subscribe_to_shard_event_bytes_total', c)).toBe(40 * 250);
      expect(m.value('aws_kinesis_subscribe_to_shard_success_total', c)).toBe(1);
      expect(m.value('aws_kinesis_subscribe_to_shard_event_success_total', c)).toBeGreaterThan(0);
    }
  });

  it('counts the records the shard write limit refused in WriteProvisionedThroughputExceeded and PutRecords.ThrottledRecords', async () => {
    const stream = uniqueName('mthrottle');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    let throttled = 0;
    let stored = 0;
    // 4 × 500 records of 1 KiB at once: 2 MiB at a shard that takes 1 MiB/s.
    const outs = await Promise.all(Array.from({ length: 4 }, () => putBatch(kinesis, stream, 500, 1024)));
    for (const out of outs) {
      for (const r of out.Records ?? []) {
        if (r.ErrorCode === 'ProvisionedThroughputExceededException') throttled++;
        else if (r.SequenceNumber !== undefined) stored++;
      }
    }
    expect(throttled).toBeGreaterThan(0);
    expect(stored + throttled).toBe(2000);
    const m = await prom();
    const s = { stream_name: stream };
    expect(m.value('aws_kinesis_write_provisioned_throughput_exceeded_total', s)).toBe(throttled);
    expect(m.value('aws_kinesis_put_records_throttled_records_total', s)).toBe(throttled);
    expect(m.value('aws_kinesis_put_records_successful_records_total', s)).toBe(stored);
    expect(m.value('aws_kinesis_incoming_records_total', s)).toBe(stored);
    expect(m.value('aws_kinesis_incoming_bytes_total', s)).toBe(stored * 1024);
    // PutRecords.Success: the calls in which at least one record was stored.
    const withStored = outs.filter((o) => (o.Records ?? []).some((r) => r.SequenceNumber !== undefined)).length;
    expect(m.value('aws_kinesis_put_records_success_total', s)).toBe(withStored);
    expect(m.value('aws_kinesis_put_records_latency_seconds_count', s)).toBe(4);
  });

  it("counts a delivery stream's records in and delivered (Firehose's IncomingRecords, DeliveryToS3.Records)", async () => {
    const firehose = firehoseClient(server.port);
    const name = uniqueName('mfh');
    const bucket = uniqueName('mbucket');
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn(bucket), BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } },
      }),
    );
    const put = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: Array.from({ length: 10 }, (_, i) => ({ Data: Buffer.from(`record-${i}\n`) })) }));
    expect(put.FailedPutCount).toBe(0);
    await waitFor('the object', () => objectsIn(s3Dir, bucket).size > 0 || undefined);
    const bytes = Array.from({ length: 10 }, (_, i) => `record-${i}\n`.length).reduce((a, b) => a + b, 0);
    const d = { delivery_stream_name: name };
    const m = await scrapeUntil(python!.command, server.port, (x) => x.value('aws_firehose_delivery_to_s3_records_total', d) === 10);
    expect(m.value('aws_firehose_incoming_records_total', d)).toBe(10);
    expect(m.value('aws_firehose_incoming_bytes_total', d)).toBe(bytes);
    expect(m.value('aws_firehose_incoming_put_requests_total', d)).toBe(1);
    expect(m.value('aws_firehose_delivery_to_s3_records_total', d)).toBe(10);
    expect(m.value('aws_firehose_delivery_to_s3_bytes_total', d)).toBe(bytes);
    expect(m.value('aws_firehose_delivery_to_s3_success_total', d)).toBe(objectsIn(s3Dir, bucket).size);
    expect(m.value('aws_firehose_delivery_to_s3_data_freshness_seconds', d)).toBe(0);
    expect(m.value('riffle_firehose_buffered_records', d)).toBe(0);
    // The delivery stream's own log is internal: it never shows as a Kinesis stream.
    expect(m.samples('aws_kinesis_incoming_records_total').some((x) => x.labels.stream_name?.includes(name))).toBe(false);
    firehose.destroy();
  });

  it('exports the process and the shard owners', async () => {
    const m = await prom();
    expect(m.value('process_resident_memory_bytes', {})).toBeGreaterThan(10_000_000);
    expect(m.samples('nodejs_eventloop_lag_p99_seconds')).toHaveLength(1);
    expect(m.value('riffle_owner_up', { owner: '0' })).toBe(1);
    expect(m.value('riffle_owner_holding', { owner: '0' })).toBe(0);
    expect(m.value('riffle_owner_request_ring_capacity_bytes', { owner: '0' })).toBeGreaterThan(0);
    expect(m.type('riffle_owner_fsync_seconds')).toBe('histogram');
  });

  it('answers /health with status, version, uptime and storage mode, on both ports, HEAD too', async () => {
    for (const port of [server.port, server.streamPort]) {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'ok', version: VERSION, storage: { mode: 'memory', fsync: null }, owners: { total: 1, up: 1, holding: 0 } });
      expect(typeof body.uptimeSeconds).toBe('number');
      const head = await fetch(`http://127.0.0.1:${port}/health`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
    }
  });

  it('leaves every AWS request path as it was: POST /metrics, a signed GET, another Host, other paths', async () => {
    // A POST to /metrics is an AWS call like any other (here one with no target).
    const post = await httpRequest(server.port, { method: 'POST', path: '/metrics', headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    expect(post.status).toBe(400);
    expect(post.body).toContain('UnknownOperationException');
    // A signed GET is S3's (a bucket named "metrics"), never the page.
    const signed = await httpRequest(server.port, {
      method: 'GET',
      path: '/metrics',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00', 'x-amz-date': '20261201T000000Z' },
    });
    expect(signed.body).not.toContain('aws_kinesis_');
    expect(signed.body).toContain('NoSuchBucket');
    // The Host rule holds for the pages (DNS rebinding).
    const rebound = await httpRequest(server.port, { method: 'GET', path: '/metrics', headers: { host: 'evil.example' } });
    expect(rebound.status).toBe(400);
    expect(rebound.body).toContain('AccessDeniedException');
    // Other GETs are answered as before, and the dashboard lives only on the stream port.
    for (const path of ['/', '/metricsx', '/health/', '/dashboard/app.js']) {
      const res = await httpRequest(server.port, { method: 'GET', path });
      expect(res.status, path).toBe(403);
    }
    expect(server.alive()).toBe(true);
    expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).toBe(200);
  });
});

describe.runIf(python)('GET /health of a durable server', () => {
  it('says durable, with its fsync mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-health-'));
    const server = await startServer(['--data-dir', dir, '--fsync', 'always']);
    try {
      const body = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'ok', storage: { mode: 'durable', fsync: 'always' } });
      // The data directory's path is not said on an unsigned page.
      expect(JSON.stringify(body)).not.toContain(dir);
    } finally {
      await server.stop();
    }
  });
});
