// Firehose's compression containers (src/firehose/codecs/), each read back by a decoder nobody here
// wrote: Debian's gzip and unzip, and snappy-java (Debian's libsnappy-java, through
// SnappyJavaCat.java). HADOOP_SNAPPY has no reader in snappy-java 1.1.8, so its framing is read by
// codec-inputs.ts's reader (checked against snappy-java's own Hadoop writer here) with either
// napi-rs snappy or snappy-java's JNI snappy decoding the blocks. The inputs are the edges of a
// 32 KiB block, JSON lines, noise, and seeded random cases for a fixed time.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPRESSION_FORMATS, compress, contentEncodingOf, extensionOf, type CompressionFormat } from '../../../src/firehose/codecs/formats.js';
import { GZIP, JAVA_WITH_SNAPPY_JAVA, needTool, SNAPPY_JAVA_CAT, SNAPPY_JAVA_JAR, UNZIP } from '../../integration/tools.js';
import { expectedBlockLengths, expectSameBytes, fixedCases, randomCase, readHadoopSnappy, snappyJavaBlockLengths, type Case } from './codec-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'riffle-codecs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** Writes `bytes` to a fresh file in the test's directory and returns its path. */
function file(bytes: Uint8Array, suffix = ''): string {
  const path = join(dir, `${files++}${suffix}`);
  writeFileSync(path, bytes);
  return path;
}

function run(command: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

const FIXED = fixedCases();
/** How long each decoder's property test generates random cases, and how many at most. */
const PROPERTY_MS = 1500;
const PROPERTY_CASES_MAX = 300;
const seedBase = Number(process.env.RIFFLE_SEED ?? Date.now() % 1_000_000_000);
/** Random cases for PROPERTY_MS, each checked by `check` (a failure names the seed that rebuilds the case). */
async function forRandomCases(check: (c: Case) => Promise<void> | void): Promise<number> {
  const until = Date.now() + PROPERTY_MS;
  let n = 0;
  for (; n < PROPERTY_CASES_MAX && Date.now() < until; n++) await check(randomCase(seedBase + n));
  return n;
}

describe('formats', () => {
  it('are the five values of CompressionFormat, with the extension and Content-Encoding AWS writes', () => {
    expect(COMPRESSION_FORMATS).toEqual(['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY']);
    expect(COMPRESSION_FORMATS.map((f) => [f, extensionOf(f), contentEncodingOf(f)])).toEqual([
      ['UNCOMPRESSED', '', undefined],
      ['GZIP', '.gz', 'gzip'],
      ['ZIP', '.zip', 'zip'],
      ['Snappy', '.snappy', 'snappy-java'],
      ['HADOOP_SNAPPY', '.snappy', 'hadoop-snappy'],
    ]);
  });

  it('UNCOMPRESSED is the bytes themselves', () => {
    for (const { data } of FIXED) expect(compress('UNCOMPRESSED', data)).toBe(data);
  });

  it('refuses a format outside the enum (SNAPPY is not Snappy)', () => {
    expect(() => compress('SNAPPY' as CompressionFormat, new Uint8Array(1))).toThrow(/unknown compression format "SNAPPY"/);
  });

  it('every format but UNCOMPRESSED shrinks JSON lines', () => {
    const data = FIXED[4]!.data;
    for (const f of COMPRESSION_FORMATS.filter((f) => f !== 'UNCOMPRESSED')) expect(compress(f, data).length, f).toBeLessThan(data.length / 2);
  });
});

const gzip = await needTool(GZIP, { tests: 'the GZIP decoder tests' });
describe.runIf(gzip)('GZIP, read by gzip -dc', () => {
  const check = async ({ name, data }: Case): Promise<void> => {
    const gz = compress('GZIP', data);
    expectSameBytes(await run(gzip!.command, ['-dc', file(gz, '.gz')]), data, `${name}: gzip -dc`);
    // One member: the last trailer (RFC 1952 §2.3: CRC32, ISIZE) covers the whole input.
    const trailer = new DataView(gz.buffer, gz.byteOffset + gz.length - 8, 8);
    expect([gz[0], gz[1], gz[2]], `${name}: magic and deflate`).toEqual([0x1f, 0x8b, 8]);
    expect([trailer.getUint32(0, true), trailer.getUint32(4, true)], `${name}: trailer`).toEqual([crc32(data), data.length]);
  };
  it.each(FIXED)('$name', check);
  it(`random cases for ${PROPERTY_MS} ms (seeds from ${seedBase})`, async () => {
    expect(await forRandomCases(check)).toBeGreaterThan(0);
  });
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const unzip = await needTool(UNZIP, { tests: 'the ZIP decoder tests' });
describe.runIf(unzip)('ZIP, read by unzip', () => {
  /** `unzip -v`'s entries (the -l listing with method, size and CRC). */
  async function entries(path: string): Promise<Array<{ length: number; method: string; crc: string; date: string; name: string }>> {
    const out = (await run(unzip!.command, ['-v', path])).toString('latin1').split('\n');
    // " Length   Method    Size  Cmpr    Date    Time   CRC-32   Name", a dashed line, the entries, a dashed line, totals.
    const start = out.findIndex((l) => l.startsWith('--------')) + 1;
    const end = out.findIndex((l, i) => i >= start && l.startsWith('--------'));
    return out.slice(start, end).map((l) => {
      const [length, method, , , day, time, crc, name] = l.trim().split(/\s+/);
      return { length: Number(length), method: method!, crc: crc!, date: `${day}T${time}Z`, name: name! };
    });
  }
  const check = async ({ name, data }: Case): Promise<void> => {
    const before = Date.now();
    const path = file(compress('ZIP', data), '.zip');
    const listed = await entries(path);
    expect(listed, `${name}: one entry`).toHaveLength(1);
    const entry = listed[0]!;
    expect(entry.name, `${name}: entry name`).toMatch(UUID);
    expect({ length: entry.length, method: entry.method, crc: entry.crc }, name).toEqual({
      length: data.length,
      method: 'Defl:N',
      crc: crc32(data).toString(16).padStart(8, '0'),
    });
    // Dated now (UTC, to the minute unzip shows).
    const dated = Date.parse(entry.date);
    expect(dated, `${name}: entry date ${entry.date}`).toBeGreaterThanOrEqual(Math.floor(before / 60_000) * 60_000);
    expect(dated).toBeLessThanOrEqual(Date.now());
    expectSameBytes(await run(unzip!.command, ['-p', path]), data, `${name}: unzip -p`);
  };
  it.each(FIXED)('$name', check);
  it(`random cases for ${PROPERTY_MS} ms (seeds from ${seedBase})`, async () => {
    expect(await forRandomCases(check)).toBeGreaterThan(0);
  });
  it("names each archive's entry by a fresh UUID", async () => {
    const data = FIXED[1]!.data;
    const [a, b] = await Promise.all([entries(file(compress('ZIP', data))), entries(file(compress('ZIP', data)))]);
    expect(a[0]!.name).not.toBe(b[0]!.name);
  });
});

describe('HADOOP_SNAPPY, read by the framing reader with napi-rs snappy', () => {
  const check = ({ name, data }: Case): void => {
    const { data: decoded, blocks } = readHadoopSnappy(compress('HADOOP_SNAPPY', data));
    expectSameBytes(decoded, data, name);
    // As SnappyHadoopCompatibleOutputStream writes: 32 KiB blocks, one chunk each.
    expect(blocks, name).toEqual(expectedBlockLengths(data.length).map((length) => ({ length, chunks: 1 })));
  };
  it.each(FIXED)('$name', check);
  it(`random cases for ${PROPERTY_MS} ms (seeds from ${seedBase})`, async () => {
    expect(await forRandomCases(check)).toBeGreaterThan(0);
  });
  it('the reader refuses a truncated stream and a block that decodes short', () => {
    const good = compress('HADOOP_SNAPPY', FIXED[3]!.data);
    expect(() => readHadoopSnappy(good.subarray(0, good.length - 1))).toThrow(/chunk of/);
    const lying = Uint8Array.from(good);
    new DataView(lying.buffer).setInt32(0, 32 * 1024 + 1);
    expect(() => readHadoopSnappy(lying)).toThrow();
  });
});

const java = await needTool(JAVA_WITH_SNAPPY_JAVA, { tests: 'the snappy-java decoder tests' });
describe.runIf(java)('Snappy and HADOOP_SNAPPY, read by snappy-java', () => {
  type Job = { mode: 'read-stream' | 'read-hadoop' | 'write-stream' | 'write-hadoop'; input: string; output: string };
  /** Runs SnappyJavaCat once for all `jobs` (a JVM start is about a second). */
  async function snappyJava(jobs: Job[]): Promise<void> {
    await run(java!.command, ['-cp', SNAPPY_JAVA_JAR, SNAPPY_JAVA_CAT, ...jobs.flatMap((j) => [j.mode, j.input, j.output])]);
  }
  /** Every case through SnappyInputStream, the Hadoop framing with snappy-java's JNI decoder, and snappy-java's two writers. */
  async function check(cases: Case[]): Promise<void> {
    const planned = cases.map(({ data }) => {
      const plain = file(data);
      const job = (mode: Job['mode'], input: string): Job => ({ mode, input, output: `${input}.${mode}` });
      return {
        stream: job('read-stream', file(compress('Snappy', data), '.snappy')),
        hadoop: job('read-hadoop', file(compress('HADOOP_SNAPPY', data), '.snappy')),
        theirStream: job('write-stream', plain),
        theirHadoop: job('write-hadoop', plain),
      };
    });
    await snappyJava(planned.flatMap((p) => [p.stream, p.hadoop, p.theirStream, p.theirHadoop]));
    planned.forEach((p, i) => {
      const { name, data } = cases[i]!;
      expectSameBytes(readFileSync(p.stream.output), data, `${name}: SnappyInputStream`);
      expectSameBytes(readFileSync(p.hadoop.output), data, `${name}: Hadoop framing, snappy-java's decoder`);
      // The same container as SnappyOutputStream: its 16-byte header, and 32 KiB per block.
      const ours = readFileSync(p.stream.input);
      const theirs = readFileSync(p.theirStream.output);
      expectSameBytes(ours.subarray(0, 16), theirs.subarray(0, 16), `${name}: header`);
      expect(snappyJavaBlockLengths(ours), `${name}: block lengths`).toEqual(snappyJavaBlockLengths(theirs));
      expect(snappyJavaBlockLengths(ours)).toEqual(expectedBlockLengths(data.length));
      // The reader the napi-rs tests use reads SnappyHadoopCompatibleOutputStream's output, and finds its blocks.
      const hadoop = readHadoopSnappy(readFileSync(p.theirHadoop.output));
      expectSameBytes(hadoop.data, data, `${name}: the test's Hadoop reader on snappy-java's output`);
      expect(readHadoopSnappy(readFileSync(p.hadoop.input)).blocks, `${name}: Hadoop blocks`).toEqual(hadoop.blocks);
    });
  }
  it('the fixed cases', async () => {
    await check(FIXED);
    expect([...readFileSync(file(compress('Snappy', new Uint8Array(0))))]).toEqual([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  }, 60_000);
  it(`random cases made for ${PROPERTY_MS} ms (seeds from ${seedBase}), read in one run`, async () => {
    const cases: Case[] = [];
    await forRandomCases((c) => void cases.push(c));
    expect(cases.length).toBeGreaterThan(0);
    await check(cases);
  }, 120_000);
});
