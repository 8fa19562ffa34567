import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Riffle } from 'riffle';
import { JqPool } from 'riffle/internal';
import { bucketArn, objectsIn, ROLE, waitFor } from './helpers.js';

// Dynamic partitioning, in process: the engine's clock is advanced past the 60 s AWS requires at
// least, so nothing here waits a minute.
const BEHAVE = fileURLToPath(new URL('./handlers/behave.mjs', import.meta.url));
const QUERY = '{customer_id: .customer_id, device: .device}';
const PREFIX = 'clicks/customer=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/!{timestamp:yyyy}/';
const metadata = (query: string) => ({ Type: 'MetadataExtraction' as const, Parameters: [{ ParameterName: 'MetadataExtractionQuery' as const, ParameterValue: query }, { ParameterName: 'JsonParsingEngine' as const, ParameterValue: 'JQ-1.6' }] });
const lambda = (fn: string, params: Record<string, string> = {}) => ({
  Type: 'Lambda' as const,
  Parameters: [{ ParameterName: 'LambdaArn' as const, ParameterValue: `arn:aws:lambda:us-east-1:000000000000:function:${fn}` }, ...Object.entries(params).map(([k, v]) => ({ ParameterName: k as 'BufferIntervalInSeconds', ParameterValue: v }))],
});

interface ErrorRecord {
  attemptsMade: number;
  errorCode: string;
  errorMessage: string;
  rawData: string;
}

let riffle: Riffle;
let s3Dir: string;
beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'riffle-fh-dp-'));
  riffle = await Riffle.start({ s3Dir, throttle: false, lambda: `behave=${BEHAVE}` });
});
afterAll(async () => {
  await riffle.close();
  rmSync(s3Dir, { recursive: true, force: true });
});

const create = (name: string, processors: unknown[], extra: Record<string, unknown> = {}, on: Riffle = riffle) =>
  on.firehose.createDeliveryStream({
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      RoleARN: ROLE,
      BucketARN: bucketArn(name),
      Prefix: PREFIX,
      ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
      DynamicPartitioningConfiguration: { Enabled: true },
      ProcessingConfiguration: { Enabled: true, Processors: processors as never },
      ...extra,
    } as never,
  });
const put = (name: string, records: string[]) => riffle.firehose.putRecordBatch({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: Buffer.from(r) })) });
/** Past the 60 s interval, then until what is due is written. */
async function pastInterval(): Promise<void> {
  await new Promise((r) => setTimeout(r, 200)); // the stage has parsed what was put
  await riffle.delivery.idle();
  riffle.engine.clock.advance(61_000);
  await new Promise((r) => setTimeout(r, 300)); // the ticker (100 ms) has started the writes
  await riffle.delivery.idle();
}
const errorsOf = (bucket: string, type: string): ErrorRecord[] =>
  [...objectsIn(s3Dir, bucket)]
    .filter(([k]) => k.startsWith(`errors/${type}/`))
    .flatMap(([, v]) =>
      v
        .toString()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as ErrorRecord),
    );
const raw = (e: ErrorRecord) => Buffer.from(e.rawData, 'base64').toString();

describe('dynamic partitioning', () => {
  it('runs jq 1.6, compiled to WebAssembly from npm', async () => {
    const pool = JqPool.create(1);
    try {
      expect(await pool.version()).toMatch(/^jq-1\.6/);
      // 1.6's behaviour where 1.7 changed it: limit(0) still gives one result, numbers print as doubles.
      expect(await pool.extract('{n: ([limit(0; 1, 2)] | length), big: 100000000000000000000}', [Buffer.from('{}')])).toEqual([{ keys: { n: '1', big: '1e+20' } }]);
    } finally {
      await pool.close();
    }
  });

  it('partitions JSON clickstream events by the keys of a jq query: each object holds its partition, every event once', async () => {
    const name = 'dp-clicks';
    await create(name, [metadata(QUERY), { Type: 'AppendDelimiterToRecord' }]);
    const events = Array.from({ length: 120 }, (_, i) => JSON.stringify({ seq: i, customer_id: `c${i % 3}`, device: i % 2 === 0 ? 'mobile' : 'web', page: `/p/${i}` }));
    for (let i = 0; i < events.length; i += 40) await put(name, events.slice(i, i + 40));
    await pastInterval();
    const objects = await waitFor('six partitions', () => {
      const all = [...objectsIn(s3Dir, name)].filter(([k]) => k.startsWith('clicks/'));
      return all.length === 6 ? all : undefined;
    });
    const year = new Date().getUTCFullYear();
    const seen: number[] = [];
    for (const [key, body] of objects) {
      const m = new RegExp(`^clicks/customer=(c\\d)/device=(mobile|web)/${year}/${name}-1-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9a-f-]{36}$`).exec(key);
      expect(m, key).not.toBeNull();
      const lines = body.toString().split('\n').filter((l) => l !== '');
      for (const line of lines) {
        const e = JSON.parse(line) as { seq: number; customer_id: string; device: string };
        expect([e.customer_id, e.device]).toEqual([m![1], m![2]]);
        seen.push(e.seq);
      }
    }
    expect(seen.sort((a, b) => a - b)).toEqual(events.map((_, i) => i));
    // Nothing failed.
    expect([...objectsIn(s3Dir, name).keys()].filter((k) => k.startsWith('errors/'))).toEqual([]);
  });

  it('sends records the query cannot read to the error output as metadata-extraction-failed', async () => {
    const name = 'dp-bad-records';
    await create(name, [metadata(QUERY)]);
    await put(name, ['not json', '{"customer_id": {"nested": 1}, "device": "web"}', '{"customer_id": "c1", "device": "web"}']);
    await pastInterval();
    const failed = await waitFor('the error records', () => {
      const e = errorsOf(name, 'metadata-extraction-failed');
      return e.length === 2 ? e : undefined;
    });
    expect(failed.map((e) => [raw(e), e.errorCode])).toEqual([
      ['not json', 'DynamicPartitioning.MetadataExtractionFailed'],
      ['{"customer_id": {"nested": 1}, "device": "web"}', 'DynamicPartitioning.MetadataExtractionFailed'],
    ]);
    expect(failed[0]!.errorMessage).toBe('Non JSON record provided');
    expect(failed[1]!.errorMessage).toMatch(/customer_id is object/);
    await waitFor('the good one', () => [...objectsIn(s3Dir, name).keys()].some((k) => k.startsWith('clicks/customer=c1/device=web/')));
  });

  it('keeps at most 500 partitions active: a record that would open one more goes to activePartitionExceeded', async () => {
    const name = 'dp-many';
    await create(name, [metadata(QUERY)]);
    const events = Array.from({ length: 505 }, (_, i) => JSON.stringify({ customer_id: `c${i}`, device: 'd' }));
    for (let i = 0; i < events.length; i += 250) await put(name, events.slice(i, i + 250));
    const over = await waitFor('the error records', () => {
      const e = errorsOf(name, 'activePartitionExceeded');
      return e.length === 5 ? e : undefined;
    });
    expect(over.map(raw)).toEqual(events.slice(500));
    expect(over[0]!.errorCode).toBe('DynamicPartitioning.ActivePartitionsLimitExceeded');
    expect(riffle.delivery.observe().find((v) => v.stream.name === name)).toMatchObject({ activePartitions: 500, bufferedRecords: 500 });
    await pastInterval();
    await waitFor('500 objects', () => [...objectsIn(s3Dir, name).keys()].filter((k) => k.startsWith('clicks/')).length === 500);
    await waitFor('no partition left', () => riffle.delivery.observe().find((v) => v.stream.name === name)?.activePartitions === 0);
  });

  it("partitions by a Lambda transform's metadata.partitionKeys; a record without the key the prefix names goes to partitioning-failed", async () => {
    const name = 'dp-lambda';
    await create(name, [lambda('behave', { BufferIntervalInSeconds: '0' })], { Prefix: 'by/!{partitionKeyFromLambda:tenant}/' });
    await put(name, ['keys:tenant=alpha', 'keys:tenant=beta', 'keys:tenant=alpha', 'plain']);
    await pastInterval();
    const objects = await waitFor('two partitions and the error', () => {
      const all = [...objectsIn(s3Dir, name)].filter(([k]) => k.startsWith('by/'));
      return all.length === 2 && errorsOf(name, 'partitioning-failed').length === 1 ? all : undefined;
    });
    expect(objects.map(([k, v]) => [k.split('/')[1], v.toString()]).sort()).toEqual([
      ['alpha', 'keys:tenant=alphakeys:tenant=alpha'],
      ['beta', 'keys:tenant=beta'],
    ]);
    expect(errorsOf(name, 'partitioning-failed').map(raw)).toEqual(['PLAIN']); // the record as the transform returned it
  });

  it('takes twelve partitioned streams at once through one jq pool: every record partitioned', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `dp-many-streams-${i}`);
    for (const n of names) await create(n, [metadata(QUERY)]);
    await Promise.all(
      names.map(async (n) => {
        for (let b = 0; b < 5; b++) await put(n, Array.from({ length: 100 }, (_, i) => JSON.stringify({ customer_id: `c${i % 4}`, device: 'd', n: b * 100 + i })));
      }),
    );
    await waitFor('every record in a partition', () => names.every((n) => riffle.delivery.observe().find((v) => v.stream.name === n)?.bufferedRecords === 500), 30_000);
    for (const n of names) expect(riffle.delivery.observe().find((v) => v.stream.name === n)?.activePartitions).toBe(4);
  });

  it("refuses what AWS refuses, in AWS's words", async () => {
    const refused = async (processors: unknown[], extra: Record<string, unknown>, message: string | RegExp) => {
      const err = await create(`dp-refused-${Math.random().toString(36).slice(2, 8)}`, processors, extra).catch((e: Error) => e);
      expect(err, message.toString()).toMatchObject({ code: 'InvalidArgumentException' });
      expect((err as Error).message).toMatch(message);
    };
    await refused([metadata(QUERY)], { BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 } }, 'BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled.');
    await refused([metadata(QUERY)], { BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 0 } }, 'BufferingHints.IntervalInSeconds must be at least 60 seconds when Dynamic Partitioning is enabled.');
    await refused([{ Type: 'AppendDelimiterToRecord' }], {}, 'Processing Configuration is not enabled when DataPartitioning is enabled');
    await refused([lambda('behave')], {}, 'MetadataExtraction processor should be present when S3 Prefix has partitionKeyFromQuery namespace');
    await refused([metadata(QUERY)], { Prefix: 'by/!{partitionKeyFromLambda:tenant}/' }, 'Lambda should be present when S3 Prefix contains keys from partitionKeyFromLambda namespace');
    await refused([metadata(QUERY)], { Prefix: 'static/' }, 'S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled');
    await refused([metadata('{customer_id: ')], {}, /^MetadataExtractionQuery .* is not a jq 1\.6 program: /);
    await refused([{ Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: QUERY }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.7' }] }], {}, 'JsonParsingEngine JQ-1.7 is not supported');
    await refused([metadata(QUERY)], { DynamicPartitioningConfiguration: { Enabled: false }, Prefix: 'static/' }, 'MetadataExtractionProcessor can only be present when Dynamic Partitioning is enabled.');
  });
});

describe('dynamic partitioning across a restart', () => {
  it('delivers the records of partitions pending at shutdown after the restart, once; those delivered before are not read again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'riffle-fh-dp-restart-'));
    const dir = mkdtempSync(join(tmpdir(), 'riffle-fh-dp-restart-s3-'));
    let r = await Riffle.start({ dataDir, s3Dir: dir, throttle: false });
    const name = 'dp-restart';
    const delivered = () => [...objectsIn(dir, name)].filter(([k]) => k.startsWith('clicks/')).flatMap(([, v]) => v.toString().split('\n').filter((l) => l !== ''));
    try {
      await create(name, [metadata(QUERY), { Type: 'AppendDelimiterToRecord' }], {}, r);
      const ev = (i: number, c: string) => JSON.stringify({ seq: i, customer_id: c, device: 'd' });
      await r.firehose.putRecordBatch({ DeliveryStreamName: name, Records: [0, 1, 2].map((i) => ({ Data: Buffer.from(ev(i, 'early')) })) });
      await new Promise((res) => setTimeout(res, 200));
      r.engine.clock.advance(40_000);
      await r.firehose.putRecordBatch({ DeliveryStreamName: name, Records: [3, 4].map((i) => ({ Data: Buffer.from(ev(i, 'late')) })) });
      await new Promise((res) => setTimeout(res, 200));
      r.engine.clock.advance(21_000); // 'early' is 61 s old: delivered; 'late' 21 s: pending
      await waitFor('the early partition', () => delivered().length === 3);
      await r.delivery.idle();
      await r.close();
      r = await Riffle.start({ dataDir, s3Dir: dir, throttle: false });
      await new Promise((res) => setTimeout(res, 300));
      // A new process's clock starts from the wall clock again, behind the arrivals stamped with the advanced one.
      r.engine.clock.advance(130_000);
      await waitFor('the late partition after the restart', () => delivered().length === 5);
      await new Promise((res) => setTimeout(res, 300));
      await r.delivery.idle();
      expect(delivered().map((l) => (JSON.parse(l) as { seq: number }).seq).sort()).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await r.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('dynamic partitioning under --partition-buffers-bytes', () => {
  it('holds at most that much over all partitions: past it the largest is delivered early, and every record once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffle-fh-dp-cap-'));
    const r = await Riffle.start({ s3Dir: dir, throttle: false, partitionBuffersBytes: 64 * 1024 });
    const name = 'dp-cap';
    const lines = () => [...objectsIn(dir, name)].filter(([k]) => k.startsWith('clicks/')).flatMap(([, v]) => v.toString().split('\n').filter((l) => l !== ''));
    try {
      await create(name, [metadata(QUERY), { Type: 'AppendDelimiterToRecord' }], { BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 900 } }, r);
      const events = Array.from({ length: 300 }, (_, i) => JSON.stringify({ seq: i, customer_id: `c${i % 10}`, device: 'd', pad: 'x'.repeat(1000) }));
      let peak = 0;
      for (let i = 0; i < events.length; i += 30) {
        await r.firehose.putRecordBatch({ DeliveryStreamName: name, Records: events.slice(i, i + 30).map((e) => ({ Data: Buffer.from(e) })) });
        await new Promise((res) => setTimeout(res, 20));
        peak = Math.max(peak, r.delivery.observe().find((v) => v.stream.name === name)?.bufferedBytes ?? 0);
      }
      // 300 KiB put, 64 KiB held at most, plus what the units in flight add before the largest goes
      // (a put of 30 KiB is a unit here; the stage has at most two per pool thread out): objects long before 900 s.
      expect(peak).toBeLessThan(64 * 1024 + 3 * 30 * 1040);
      await waitFor('early objects', () => lines().length > 0);
      await new Promise((res) => setTimeout(res, 300));
      await r.delivery.idle();
      r.engine.clock.advance(901_000);
      await waitFor('every record', () => lines().length >= 300).catch((e: Error) => {
        throw new Error(`${e.message}: ${lines().length} delivered, ${JSON.stringify(r.delivery.observe().find((v) => v.stream.name === name), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
      });
      expect(lines().map((l) => (JSON.parse(l) as { seq: number }).seq).sort((a, b) => a - b)).toEqual(events.map((_, i) => i));
    } finally {
      await r.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
