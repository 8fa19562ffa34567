import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { deaggregate } from '../../../../src/firehose/sources/kpl.js';

const { aggregate } = createRequire(import.meta.url)('aws-kinesis-agg') as {
  aggregate(records: Array<{ partitionKey: string; data: Buffer }>, onReady: (r: { data: Buffer }, cb: () => void) => void, done: () => void, onError: (e: Error) => void): void;
};

function aggregated(users: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    aggregate(users.map((u, i) => ({ partitionKey: `p${i % 3}`, data: Buffer.from(u) })), (r, cb) => (out.push(r.data), cb()), () => (out.length === 1 ? resolve(out[0] as Buffer) : reject(new Error(`${out.length} records`))), reject);
  });
}

describe('KPL de-aggregation', () => {
  it('gives the user records of a record aggregated by aws-kinesis-agg, in order', async () => {
    const users = ['one', '', 'three', 'x'.repeat(5000)];
    const parts = deaggregate(await aggregated(users));
    expect(parts?.map((p) => Buffer.from(p).toString())).toEqual(users);
  });

  it('is null for a plain record, and for one that looks aggregated but does not check out (as the KCL treats them)', async () => {
    expect(deaggregate(Buffer.from('{"plain":true}'))).toBeNull();
    expect(deaggregate(new Uint8Array(0))).toBeNull();
    const agg = await aggregated(['a', 'b']);
    const badMd5 = Buffer.from(agg);
    badMd5[badMd5.length - 1] = (badMd5[badMd5.length - 1] as number) ^ 0xff;
    expect(deaggregate(badMd5)).toBeNull();
    expect(deaggregate(agg.subarray(0, agg.length - 3))).toBeNull();
  });
});
