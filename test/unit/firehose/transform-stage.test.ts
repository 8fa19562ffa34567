import { describe, expect, it } from 'vitest';
import { TransformStage } from 'riffle/internal';

// The transform stage with a pool and hooks the test controls.
/** A READ reply section of one record (seq f64, arrival f64, keyLen u16, dataLen u32, key, data). */
function section(seq: number, arrivalMs: number, data: string): Uint8Array {
  const d = Buffer.from(data);
  const out = Buffer.alloc(22 + d.length);
  out.writeDoubleLE(seq, 0);
  out.writeDoubleLE(arrivalMs, 8);
  out.writeUInt16LE(0, 16);
  out.writeUInt32LE(d.length, 18);
  d.copy(out, 22);
  return out;
}

function stage(invoke: () => Promise<unknown>) {
  const rereads: string[] = [];
  const delivered: string[][] = [];
  const s = new TransformStage(
    { lambda: { lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', module: '/m.mjs', retries: 0, timeoutMs: 1000 }, sizeBytes: 1 << 20, intervalMs: 0, deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/s', region: 'us-east-1' },
    { invoke: invoke as never },
    null,
    {
      deliver: async (unit) => void delivered.push(unit.records.map((r) => Buffer.from(r.data).toString())),
      writeErrors: () => Promise.resolve({ stored: true, key: 'k', bytes: 1 }),
      reread: (reason) => void rereads.push(reason),
      roomFreed: () => undefined,
      invoked: () => undefined,
      succeeded: () => undefined,
      log: () => undefined,
    },
    { now: () => 1000 },
    new Map([['log', 0]]),
    () => null,
    2,
  );
  return { s, rereads, delivered };
}

describe('TransformStage', () => {
  it('reads the records again from the checkpoint when a unit fails for a reason of its own, and stops: no unhandled rejection, idle() returns', async () => {
    const t = stage(() => Promise.reject(new Error('the pool broke')));
    t.s.intake.add('log', section(0, 1, 'a'), 1, 1);
    t.s.tick();
    await t.s.idle();
    await new Promise((r) => setImmediate(r));
    expect(t.rereads).toEqual(['transforming 1 record(s) failed (the pool broke)']);
    expect(t.s.busy).toBe(false);
    expect(t.delivered).toEqual([]);
    // Stopped: what comes later is not sent.
    t.s.intake.add('log', section(1, 2, 'b'), 1, 2);
    t.s.tick();
    expect(t.s.busy).toBe(false);
  });

  it('applies a unit sent after the previous loop ended (the loop is cleared in the step it ends in)', async () => {
    const t = stage(async () => ({ ok: true, answer: { records: [{ recordId: '00000000000000000000000000', result: 'Ok', data: Buffer.from('A').toString('base64') }] }, ms: 1 }));
    t.s.intake.add('log', section(0, 1, 'a'), 1, 1);
    t.s.tick();
    await t.s.idle();
    expect(t.delivered).toEqual([['A']]);
    t.s.intake.add('log', section(0, 1, 'a'), 1, 2); // same recordId: the answer fits it
    t.s.tick();
    await t.s.idle();
    expect(t.delivered).toEqual([['A'], ['A']]);
  });
});
