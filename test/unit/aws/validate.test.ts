import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../src/aws/errors.js';
import { putRecords } from '../../../src/kinesis/operations/put-records.js';
import { createStream } from '../../../src/kinesis/operations/create-stream.js';
import { validateInput, type Members } from '../../../src/aws/validate.js';
import { packRecords, PackedRecords } from '../../../src/kinesis/packed-records.js';
import { native } from '../../../src/native/index.js';

/** PutRecords' members without the fast path: what the generic passes make of a request. */
const genericPutRecords: Members = { ...putRecords.members, Records: { ...(putRecords.members.Records as Extract<Members[string], { type: 'List' }>), fast: undefined } };

function failure(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected a AwsError');
}

describe('request validation', () => {
  it('reports every constraint violation in AWS wording and member paths', () => {
    const err = failure(() =>
      validateInput({ StreamName: 's', Records: [{ PartitionKey: '', Data: 'AAAA' }, { PartitionKey: 'k'.repeat(257) }] }, putRecords.members),
    );
    expect(err.code).toBe('ValidationException');
    expect(err.message).toBe(
      "3 validation errors detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value null at 'records.2.member.data' failed to satisfy constraint: Member must not be null; " +
        `Value '${'k'.repeat(257)}' at 'records.2.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
  });

  it('renders blobs and lists as the Java service does', () => {
    // The model's Data maximum is 10 MiB (a stream's own, 1 MiB by default, is checked once the stream is known).
    const big = Buffer.alloc(10485761).toString('base64');
    expect(failure(() => validateInput({ StreamName: 's', Records: [{ PartitionKey: 'k', Data: big }] }, putRecords.members)).message).toBe(
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]' at 'records.1.member.data' failed to satisfy constraint: Member must have length less than or equal to 10485760",
    );
    const many = Array.from({ length: 501 }, () => ({ PartitionKey: 'k', Data: '' }));
    expect(failure(() => validateInput({ StreamName: 's', Records: many }, putRecords.members)).message).toMatch(
      /^1 validation error detected: Value '\[com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@c965e310, .*\]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/,
    );
  });

  it('turns wrong JSON types into SerializationException with the deserializer wording', () => {
    const e1 = failure(() => validateInput({ StreamName: 's', ShardCount: 'one' }, createStream.members));
    expect(e1.code).toBe('SerializationException');
    expect(e1.toWire()).toEqual({ __type: 'SerializationException', Message: 'class java.lang.String can not be converted to an Integer' });
    expect(failure(() => validateInput({ StreamName: 5 }, createStream.members)).message).toBe(
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    );
    expect(failure(() => validateInput({ StreamName: 's', Records: {} }, putRecords.members)).message).toBe('Start of structure or map found where not expected.');
    expect(failure(() => validateInput({ StreamName: 's', Records: [{ PartitionKey: 'k', Data: 'abc' }] }, putRecords.members)).message).toBe(
      "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
    );
  });

  it('converts blobs from base64 and from bytes, and drops unknown members', () => {
    const out = validateInput<{ Records: Array<{ Data: Buffer }> }>(
      { StreamName: 's', Nope: 1, Records: [{ PartitionKey: 'k', Data: 'aGk=' }, { PartitionKey: 'k', Data: new Uint8Array([1, 2]) }] },
      genericPutRecords,
    );
    expect(out).not.toHaveProperty('Nope');
    expect(out.Records[0]?.Data.toString()).toBe('hi');
    expect([...(out.Records[1]?.Data ?? [])]).toEqual([1, 2]);
  });

  it('packs a plainly valid PutRecords list on the fast path, byte for byte as the generic conversion reads it', () => {
    const records = [
      { PartitionKey: 'k', Data: 'aGk=', Ignored: true },
      { PartitionKey: 'ключ-🙂', Data: new Uint8Array([1, 2, 3]) },
      { PartitionKey: 'x'.repeat(256), Data: '' },
      { PartitionKey: 'pad2', Data: 'AA==' },
      { PartitionKey: 'pad0', Data: 'AAAA', ExplicitHashKey: null },
    ];
    const fast = validateInput<{ Records: unknown }>({ StreamName: 's', Records: records }, putRecords.members).Records;
    const slow = validateInput<{ Records: Array<{ PartitionKey: string; Data: Buffer }> }>({ StreamName: 's', Records: records }, genericPutRecords).Records;
    expect(fast).toBeInstanceOf(PackedRecords);
    const packed = fast as PackedRecords;
    expect(packed.count).toBe(records.length);
    slow.forEach((r, i) => {
      const [keyOff, keyLen, dataOff, dataLen, hashOff] = packed.spans.subarray(5 * i, 5 * i + 5);
      expect(packed.bytes.toString('utf8', keyOff, keyOff! + keyLen!)).toBe(r.PartitionKey);
      expect(packed.bytes.subarray(dataOff, dataOff! + dataLen!).equals(r.Data)).toBe(true);
      expect(hashOff).toBe(0);
    });
    // The packed bytes are a valid ingest record section: the native scanner reads the same spans.
    const spans = new Uint32Array(5 * records.length);
    expect(native.scanIngest(packed.bytes, 0, records.length, spans, new Int32Array(4))).toBe(0);
    expect([...spans]).toEqual([...packed.spans]);
  });

  it('leaves every list the generic passes must judge to them (so errors keep AWS wording)', () => {
    const ok = { PartitionKey: 'k', Data: 'aGk=' };
    const cases: unknown[] = [
      undefined,
      'Records',
      {},
      [],
      Array.from({ length: 501 }, () => ok),
      [ok, null],
      [ok, [ok]],
      [ok, new Uint8Array(2)],
      [{ Data: 'aGk=' }],
      [{ PartitionKey: '', Data: 'aGk=' }],
      [{ PartitionKey: 'x'.repeat(257), Data: 'aGk=' }],
      [{ PartitionKey: 5, Data: 'aGk=' }],
      [{ PartitionKey: 'k' }],
      [{ PartitionKey: 'k', Data: 5 }],
      [{ PartitionKey: 'k', Data: 'abc' }],
      [{ PartitionKey: 'k', Data: 'ab=c' }],
      [{ PartitionKey: 'k', Data: 'a===' }],
      [{ PartitionKey: 'k', Data: 'aGk=', ExplicitHashKey: '5' }],
      [{ PartitionKey: 'k', Data: new Uint8Array(10 * 1024 * 1024 + 1) }],
      [{ PartitionKey: 'kk', Data: new Uint8Array(10 * 1024 * 1024 - 1) }],
      Array.from({ length: 11 }, () => ({ PartitionKey: 'k', Data: new Uint8Array(1024 * 1024 - 1) })),
    ];
    for (const c of cases) expect(packRecords(c)).toBeUndefined();
    // Up to the largest any stream takes: the stream's own limit is checked once it is known.
    expect(packRecords([{ PartitionKey: 'k', Data: new Uint8Array(10 * 1024 * 1024 - 1) }])).toBeInstanceOf(PackedRecords);
  });
});
