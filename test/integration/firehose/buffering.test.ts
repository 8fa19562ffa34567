// Buffering by time and by size, in process, with the engine's clock advanced instead of waited on:
// "The first buffer condition that is satisfied triggers Firehose to deliver the data".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Riffle } from 'riffle';
import { bucketArn, objectsIn, ROLE, waitFor } from './helpers.js';

let riffle: Riffle;
let s3Dir: string;
beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'riffle-fh-buffer-'));
  riffle = await Riffle.start({ s3Dir, throttle: false });
});
afterAll(async () => {
  await riffle?.close();
  rmSync(s3Dir, { recursive: true, force: true });
});

const settle = async (): Promise<void> => {
  // Long enough for a delivery that is due to have been written (the ticker runs every 100 ms).
  await new Promise((r) => setTimeout(r, 400));
  await riffle.delivery.idle();
};

it('IntervalInSeconds: nothing is delivered before the interval, everything at it, in one object', async () => {
  await riffle.firehose.createDeliveryStream({
    DeliveryStreamName: 'by-time',
    ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('by-time'), BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 60 } },
  });
  for (let i = 0; i < 5; i++) await riffle.firehose.putRecordBatch({ DeliveryStreamName: 'by-time', Records: [{ Data: Buffer.from(`t${i};`) }] });
  riffle.engine.clock.advance(59_000);
  await settle();
  expect(objectsIn(s3Dir, 'by-time').size).toBe(0);
  riffle.engine.clock.advance(1_500);
  const objects = await waitFor('the object at 60 s', () => {
    const all = objectsIn(s3Dir, 'by-time');
    return all.size > 0 ? all : undefined;
  });
  expect([...objects.values()].map((b) => b.toString())).toEqual(['t0;t1;t2;t3;t4;']); // concatenated as they are: no delimiter
});

it('SizeInMBs: an object as soon as 1 MiB is buffered, long before the interval; the rest waits for it', async () => {
  await riffle.firehose.createDeliveryStream({
    DeliveryStreamName: 'by-size',
    ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: bucketArn('by-size'), BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } },
  });
  const record = Buffer.alloc(100 * 1024, 0x61);
  for (let i = 0; i < 9; i++) await riffle.firehose.putRecordBatch({ DeliveryStreamName: 'by-size', Records: [{ Data: record }] });
  await settle();
  expect(objectsIn(s3Dir, 'by-size').size).toBe(0); // 900 KiB: under the size, before the interval
  await riffle.firehose.putRecordBatch({ DeliveryStreamName: 'by-size', Records: [{ Data: record }, { Data: record }, { Data: record }, { Data: record }] });
  const objects = await waitFor('the 1 MiB object', () => {
    const all = objectsIn(s3Dir, 'by-size');
    return all.size > 0 ? all : undefined;
  });
  const [body] = [...objects.values()];
  expect(body!.length).toBeGreaterThanOrEqual(1024 * 1024); // "a little over or under the configured buffering size"
  expect(body!.length).toBeLessThan(1.2 * 1024 * 1024);
  await settle();
  expect(objectsIn(s3Dir, 'by-size').size).toBe(1); // what is over waits for its own condition
  riffle.engine.clock.advance(900_000);
  const all = await waitFor('the rest at the interval', () => {
    const now = objectsIn(s3Dir, 'by-size');
    return now.size === 2 ? now : undefined;
  });
  expect([...all.values()].reduce((n, b) => n + b.length, 0)).toBe(13 * 100 * 1024);
});
