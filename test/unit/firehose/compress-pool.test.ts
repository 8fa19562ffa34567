// The compression pool with its real worker threads: piscina loads the compiled worker, so this
// test runs the pool from the build (riffle/internal, as `npm test` builds first), checking its
// output against the in-thread codecs (codecs.test.ts checks those with outside decoders).
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CompressPool, CompressPoolFullError } from 'riffle/internal';
import { compress, COMPRESSION_FORMATS, type CompressionFormat } from '../../../src/firehose/codecs/formats.js';
import { expectSameBytes, jsonLines, randomBytes, randomCase } from './codec-inputs.js';

const pools: CompressPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});
function pool(threads: number, maxQueue?: number): CompressPool {
  const p = CompressPool.create(maxQueue === undefined ? { threads } : { threads, maxQueue });
  pools.push(p);
  return p;
}

/** A fresh copy that owns its ArrayBuffer: the pool takes its input. */
const own = (data: Uint8Array): Uint8Array => new Uint8Array(data);
/** The one entry of one of our ZIP archives (fixed layout: a 30-byte local header, a 36-byte UUID, the deflate data). */
function zipEntry(zip: Uint8Array): Buffer {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  return inflateRawSync(zip.subarray(30 + 36, 30 + 36 + view.getUint32(18, true)));
}
/** The bytes compress() gives in this thread, with ZIP's random name and time taken out. */
function expectSameAsInThread(format: CompressionFormat, out: Uint8Array, data: Uint8Array, what: string): void {
  if (format === 'ZIP') expectSameBytes(zipEntry(out), data, what);
  else expectSameBytes(out, compress(format, data), what);
}

describe('CompressPool', () => {
  const shared = pool(2);

  it.each(COMPRESSION_FORMATS.filter((f) => f !== 'UNCOMPRESSED'))('%s: the same bytes as in this thread; the input moved, the output owns its buffer', async (format) => {
    for (const data of [new Uint8Array(0), Uint8Array.of(1), jsonLines(300 * 1024 + 5, 7)]) {
      const input = own(data);
      const out = await shared.compress(format, input);
      expect(input.byteLength, 'input detached: moved to the worker, not copied').toBe(0);
      expect(out).toBeInstanceOf(Uint8Array);
      // Small GZIP output is a slice of zlib's chunk, copied in the worker before it moves; the rest own theirs.
      expect([out.byteOffset, out.buffer.byteLength]).toEqual([0, out.byteLength]);
      expectSameAsInThread(format, out, data, `${format}, ${data.length} bytes`);
    }
  });

  it('UNCOMPRESSED gives back the input itself, without the pool', async () => {
    const data = own(jsonLines(1000, 1));
    const before = shared.completed;
    await expect(shared.compress('UNCOMPRESSED', data)).resolves.toBe(data);
    expect([data.byteLength, shared.completed]).toEqual([1000, before]);
  });

  it('60 seeded objects in flight on two threads each come back as their own', async () => {
    const p = pool(2, 60);
    const cases = Array.from({ length: 60 }, (_, i) => ({ format: COMPRESSION_FORMATS[1 + (i % 4)] as CompressionFormat, ...randomCase(9000 + i) }));
    const outs = await Promise.all(cases.map((c) => p.compress(c.format, own(c.data))));
    outs.forEach((out, i) => expectSameAsInThread(cases[i]!.format, out, cases[i]!.data, `${cases[i]!.format} ${cases[i]!.name}`));
    expect(p.completed).toBe(60);
  });

  it('is bounded: past threads running and maxQueue waiting it rejects at once, leaves the input, and a retry works', async () => {
    const p = pool(1, 2);
    const big = randomBytes(4 * 1024 * 1024, 11);
    const accepted = [p.compress('GZIP', own(big)), p.compress('GZIP', own(big)), p.compress('GZIP', own(big))];
    expect(p.inFlight).toBe(3);
    const refused = own(jsonLines(5000, 2));
    const error = await p.compress('Snappy', refused).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompressPoolFullError);
    expect(error).toMatchObject({ code: 'CompressPoolFull', retryable: true, inFlight: 3 });
    expect(refused.byteLength, 'the refused input is still the caller’s').toBe(5000);
    await Promise.all(accepted);
    expect(p.inFlight).toBe(0);
    const retried = await p.compress('Snappy', refused);
    expectSameAsInThread('Snappy', retried, jsonLines(5000, 2), 'retried');
  });

  it('refuses input it cannot move whole (a view on part of a buffer, a pooled Buffer), leaving it attached', async () => {
    const backing = new Uint8Array(100);
    const part = backing.subarray(10, 20);
    await expect(shared.compress('GZIP', part)).rejects.toThrow(/must own all of an ArrayBuffer \(got 10 bytes at offset 10 of a 100-byte ArrayBuffer\)/);
    await expect(shared.compress('GZIP', Buffer.from('tiny'))).rejects.toThrow(TypeError);
    await expect(shared.compress('GZIP', new Uint8Array(new SharedArrayBuffer(8)))).rejects.toThrow(/SharedArrayBuffer/);
    expect(backing.byteLength).toBe(100);
  });

  it("a worker's error rejects that call only", async () => {
    await expect(shared.compress('SNAPPY' as CompressionFormat, own(Uint8Array.of(1)))).rejects.toThrow(/unknown compression format "SNAPPY"/);
    await expect(shared.compress('GZIP', own(Uint8Array.of(1)))).resolves.toBeInstanceOf(Uint8Array);
  });

  it('close() lets accepted work finish, then refuses more', async () => {
    const p = CompressPool.create({ threads: 1 });
    const data = jsonLines(2 * 1024 * 1024, 5);
    const pending = p.compress('GZIP', own(data));
    await p.close();
    expectSameAsInThread('GZIP', await pending, data, 'finished during close');
    await expect(p.compress('GZIP', own(data))).rejects.toThrow(/closed/);
  });

  it('checks its options at create, naming the option and the range', () => {
    for (const threads of [0, 65, 1.5, Number.NaN]) {
      expect(() => CompressPool.create({ threads })).toThrow(new RangeError(`CompressPool threads must be an integer from 1 to 64, got ${threads}`));
    }
    expect(() => CompressPool.create({ threads: 1, maxQueue: -1 })).toThrow(/maxQueue must be an integer from 0 to 1024, got -1/);
    expect([shared.threads, shared.maxQueue]).toEqual([2, 8]);
  });
});
