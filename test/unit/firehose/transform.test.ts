import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HandlerPool, judgeAnswer, lambdaEvent, processingFailedRecord } from 'riffle/internal';

const handlerPath = (name: string) => fileURLToPath(new URL(`./handlers/${name}`, import.meta.url));
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:upper';
const records = [
  { recordId: 'r1', arrivalMs: 1510772160000, data: Buffer.from('hello') },
  { recordId: 'r2', arrivalMs: 1510772160001, data: Buffer.from('') },
  { recordId: 'r3', arrivalMs: 1510772160002, data: Buffer.from('fail') },
];
const inv = { invocationId: 'inv-1', deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/web', region: 'us-east-1', records };
const event = lambdaEvent(inv);

describe('the Lambda transform contract', () => {
  it('sends the event Firehose sends: ids, arrival in ms, base64 data, Kinesis metadata for a Kinesis source', () => {
    expect(event).toEqual({
      invocationId: 'inv-1',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/web',
      region: 'us-east-1',
      records: [
        { recordId: 'r1', approximateArrivalTimestamp: 1510772160000, data: 'aGVsbG8=' },
        { recordId: 'r2', approximateArrivalTimestamp: 1510772160001, data: '' },
        { recordId: 'r3', approximateArrivalTimestamp: 1510772160002, data: 'ZmFpbA==' },
      ],
    });
    const kinesis = lambdaEvent({ invocationId: 'i', deliveryStreamArn: 'd', region: 'r', sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', records: [{ ...records[0]!, kinesis: { shardId: 'shardId-000000000000', partitionKey: 'k', arrivalMs: 5, sequenceNumber: '49' } }] });
    expect(kinesis).toMatchObject({ sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', records: [{ kinesisRecordMetadata: { shardId: 'shardId-000000000000', partitionKey: 'k', approximateArrivalTimestamp: 5, sequenceNumber: '49', subsequenceNumber: '' } }] });
  });

  it("judges an answer as Firehose does: each record's outcome; a malformed answer refused whole; missing and twice-answered records failed alone", () => {
    const ok = judgeAnswer(records, { records: [{ recordId: 'r3', result: 'ProcessingFailed' }, { recordId: 'r1', result: 'Ok', data: 'SEk=', metadata: { partitionKeys: { a: 'b' } } }, { recordId: 'r2', result: 'Dropped' }, { recordId: 'r9', result: 'Ok', data: '' }] });
    expect(ok).toEqual({
      ok: true,
      outcomes: [
        { result: 'Ok', data: Buffer.from('HI'), partitionKeys: { a: 'b' } },
        { result: 'Dropped' },
        { result: 'Failed', errorCode: 'Lambda.ProcessingFailedStatus', errorMessage: 'ProcessingFailed status set for record' },
      ],
    });
    // r1 answered twice, r3 not at all: they fail; r2 goes on.
    const each = judgeAnswer(records, { records: [{ recordId: 'r1', result: 'Ok', data: 'SEk=' }, { recordId: 'r1', result: 'Dropped' }, { recordId: 'r2', result: 'Ok', data: 'eA==' }] });
    expect(each).toMatchObject({ ok: true, outcomes: [{ result: 'Failed', errorCode: 'Lambda.DuplicatedRecordId' }, { result: 'Ok', data: Buffer.from('x') }, { result: 'Failed', errorCode: 'Lambda.MissingRecordId' }] });
    const refused: Array<[unknown, string]> = [
      [null, 'Lambda.JsonProcessingException'],
      [{}, 'Lambda.JsonProcessingException'],
      [{ records: 'x' }, 'Lambda.JsonProcessingException'],
      [{ records: [7] }, 'Lambda.JsonProcessingException'],
      [{ records: [{ result: 'Ok', data: '' }] }, 'Lambda.JsonProcessingException'],
      [{ records: records.map((r) => ({ recordId: r.recordId, result: 'Fine' })) }, 'Lambda.JsonProcessingException'],
      [{ records: records.map((r) => ({ recordId: r.recordId, result: 'Dropped', metadata: { partitionKeys: { n: 1 } } })) }, 'Lambda.JsonProcessingException'],
      [{ records: records.map((r) => ({ recordId: r.recordId, result: 'Ok' })) }, 'Lambda.FunctionError'],
      [{ records: records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: 'not base64!' })) }, 'Lambda.FunctionError'],
    ];
    for (const [answer, errorCode] of refused) expect(judgeAnswer(records, answer), JSON.stringify(answer)).toMatchObject({ ok: false, errorCode });
  });

  it("writes processing-failed error records with AWS's fields", () => {
    expect(JSON.parse(processingFailedRecord(records[0]!, 4, 'Lambda.FunctionError', 'boom', 1510772170000, ARN))).toEqual({
      attemptsMade: 4,
      arrivalTimestamp: 1510772160000,
      errorCode: 'Lambda.FunctionError',
      errorMessage: 'boom',
      attemptEndingTimestamp: 1510772170000,
      rawData: 'aGVsbG8=',
      lambdaArn: ARN,
    });
  });
});

describe('HandlerPool: the handlers in worker threads', () => {
  const pool = HandlerPool.create({ threads: 2 });
  afterAll(() => pool.close());

  it('runs a handler written in the style of AWS blueprints, unchanged: changed, dropped and failed records', async () => {
    const got = await pool.invoke(handlerPath('blueprint.cjs'), ARN, inv, 5000);
    expect(got.ok).toBe(true);
    const judged = judgeAnswer(records, (got as { answer: unknown }).answer);
    expect(judged).toMatchObject({ ok: true });
    const out = (judged as { outcomes: Array<{ result: string; data?: Buffer }> }).outcomes;
    expect(out.map((r) => [r.result, r.data?.toString()])).toEqual([
      ['Ok', 'HELLO (upper)'],
      ['Dropped', undefined],
      ['Failed', undefined], // its error record carries the data it came with
    ]);
  });

  it("runs an ES module with Lambda's callback, which keeps its state between invocations, and reports a callback error", async () => {
    const one = { ...inv, records: [records[0]!] };
    const a = (await pool.invoke(handlerPath('callback.mjs'), ARN, one, 5000)) as { ok: true; answer: { records: Array<{ metadata: { partitionKeys: { calls: string } } }> } };
    expect(a.ok).toBe(true);
    const throwing = { invocationId: 'i2', deliveryStreamArn: 'd', region: 'r', records: [{ recordId: 'x', arrivalMs: 1, data: Buffer.from('throw') }] };
    expect(await pool.invoke(handlerPath('callback.mjs'), ARN, throwing, 5000)).toMatchObject({ ok: false, kind: 'error', message: 'Error: asked to fail' });
  });

  it('ends a handler that does not finish in time, and the pool goes on', async () => {
    const t0 = Date.now();
    expect(await pool.invoke(handlerPath('stuck.mjs'), ARN, inv, 300)).toMatchObject({ ok: false, kind: 'timeout', message: 'Task timed out after 0.30 seconds', ms: 300 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await pool.invoke(handlerPath('blueprint.cjs'), ARN, inv, 5000)).ok).toBe(true);
  });

  it('runs one invocation at a time per thread, its timeout counted from its own start, not its wait in the queue', async () => {
    const one = HandlerPool.create({ threads: 1 });
    try {
      const sleepy = (ms: number) => ({ ...inv, records: [{ recordId: 's', arrivalMs: 1, data: Buffer.from(String(ms)) }] });
      // Three of 300 ms on one thread, 500 ms each: the last waits 600 ms, and is not timed out for it.
      const t0 = Date.now();
      const all = await Promise.all([1, 2, 3].map(() => one.invoke(handlerPath('sleep.mjs'), ARN, sleepy(300), 500)));
      expect(all.map((a) => a.ok)).toEqual([true, true, true]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(880); // one after the other, never two at once
      expect(all.map((a) => (a as { answer: { overlapped: boolean } }).answer.overlapped)).toEqual([false, false, false]);
      // A handler stuck past its timeout ends its thread; the invocation queued behind it runs on the new one.
      const [stuck, behind] = await Promise.all([one.invoke(handlerPath('stuck.mjs'), ARN, inv, 300), one.invoke(handlerPath('sleep.mjs'), ARN, sleepy(1), 5000)]);
      expect(stuck).toMatchObject({ ok: false, kind: 'timeout' });
      expect(behind.ok).toBe(true);
      expect((await one.invoke(handlerPath('sleep.mjs'), ARN, sleepy(1), 5000)).ok).toBe(true);
    } finally {
      await one.close();
    }
  });

  it('says a module without a handler is a function error', async () => {
    const got = await pool.invoke(handlerPath('../transform.test.ts'), ARN, inv, 5000);
    expect(got).toMatchObject({ ok: false, kind: 'error' });
  });
});
