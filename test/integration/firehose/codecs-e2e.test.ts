// Every CompressionFormat through the real server: the same records into one delivery stream per
// format, each delivered object read back by a decoder nobody here wrote (Debian's gzip and unzip,
// snappy-java's SnappyInputStream) or, for HADOOP_SNAPPY, the block reader written from Hadoop's
// format description (test/unit/firehose/codec-inputs.ts), and the keys' extensions checked.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { uncompressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../harness.js';
import { GZIP, JAVA_WITH_SNAPPY_JAVA, needTool, SNAPPY_JAVA_CAT, SNAPPY_JAVA_JAR, UNZIP } from '../tools.js';
import { readHadoopSnappy } from '../../unit/firehose/codec-inputs.js';
import { bucketArn, firehoseClient, objectsIn, ROLE, waitFor } from './helpers.js';

function run(command: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${command}: ${err.message} ${stderr.toString()}`)) : resolve(stdout)));
  });
}

const gzip = await needTool(GZIP, { tests: 'the delivered GZIP objects' });
const unzip = await needTool(UNZIP, { tests: 'the delivered ZIP objects' });
const java = await needTool(JAVA_WITH_SNAPPY_JAVA, { tests: 'the delivered Snappy objects' });

/** 1 KiB-ish JSON clickstream events, one per line (the AppendDelimiterToRecord processor adds the newline). */
const events = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ seq: i, user: `u${i % 97}`, url: `https://shop.example/p/${i % 13}?ref=${'r'.repeat(i % 40)}`, ua: 'Mozilla/5.0 (X11; Linux x86_64)', at: 1_700_000_000_000 + i }));
const expected = events.map((e) => `${e}\n`).join('');
const FORMATS = [
  ['UNCOMPRESSED', ''],
  ['GZIP', '.gz'],
  ['ZIP', '.zip'],
  ['Snappy', '.snappy'],
  ['HADOOP_SNAPPY', '.snappy'],
] as const;

let server: RunningServer;
let client: FirehoseClient;
let s3Dir: string;
let work: string;

beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'riffle-fh-codecs-'));
  work = mkdtempSync(join(tmpdir(), 'riffle-fh-decoded-'));
  server = await startServer(['--s3-dir', s3Dir, '--no-throttle']);
  client = firehoseClient(server.port);
  for (const [format] of FORMATS) {
    const name = `codec-${format.toLowerCase().replace('_', '-')}`;
    await client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: bucketArn(name),
          CompressionFormat: format,
          // Several objects per format: 64 KiB buffers would be too small to set; instead size 1 MiB and interval 0.
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        },
      }),
    );
    for (let i = 0; i < events.length; i += 500) {
      const out = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: events.slice(i, i + 500).map((e) => ({ Data: Buffer.from(e) })) }));
      expect(out.FailedPutCount).toBe(0);
    }
  }
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await server?.stop();
  rmSync(s3Dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** The snappy-java stream format read with napi-rs's block decoder: only to know when every record is there. */
function quickSnappyJava(bytes: Buffer): string {
  const out: Buffer[] = [];
  for (let at = 16; at < bytes.length; ) {
    const n = bytes.readInt32BE(at);
    out.push(uncompressSync(bytes.subarray(at + 4, at + 4 + n)) as Buffer);
    at += 4 + n;
  }
  return Buffer.concat(out).toString();
}

/**
 * The delivered objects of `format`, decoded with `decode`, once they hold every record (objects
 * keep arriving while the first are read; bounded wait).
 */
async function delivered(format: string, decode: (key: string, bytes: Buffer) => Promise<string>): Promise<Map<string, string>> {
  const name = `codec-${format.toLowerCase().replace('_', '-')}`;
  const decoded = new Map<string, string>();
  const deadline = Date.now() + 20_000;
  for (;;) {
    for (const [key, bytes] of objectsIn(s3Dir, name)) if (!decoded.has(key)) decoded.set(key, await decode(key, bytes));
    const length = [...decoded.values()].reduce((n, v) => n + v.length, 0);
    if (length >= expected.length) return decoded;
    if (Date.now() > deadline) throw new Error(`${format}: ${length} of ${expected.length} bytes delivered`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function expectAllRecords(decoded: Map<string, string>, extension: string): void {
  for (const key of decoded.keys()) expect(key.endsWith(extension) && (extension !== '' || !/\.[a-z]+$/.test(key)), key).toBe(true);
  const lines = [...decoded.values()].join('').split('\n').filter((l) => l !== '');
  expect(lines.sort()).toEqual(events.slice().sort());
  for (const body of decoded.values()) expect(expected).toContain(body); // each object holds a run of records, in order
}

describe('every CompressionFormat, delivered by the server and read by an outside decoder', () => {
  it('UNCOMPRESSED: the record bytes as they are, no extension', async () => {
    expectAllRecords(await delivered('UNCOMPRESSED', async (_k, b) => b.toString()), '');
  });
  describe.runIf(gzip)('GZIP', () => {
    it('gzip -dc reads every object', async () => {
      const decoded = await delivered('GZIP', async (key, bytes) => {
        const path = join(work, key.replace(/\//g, '_'));
        writeFileSync(path, bytes);
        return (await run(gzip!.command, ['-dc', path])).toString();
      });
      expectAllRecords(decoded, '.gz');
    });
  });
  describe.runIf(unzip)('ZIP', () => {
    it('unzip -p reads every object, each one entry', async () => {
      const decoded = await delivered('ZIP', async (key, bytes) => {
        const path = join(work, key.replace(/\//g, '_'));
        writeFileSync(path, bytes);
        const listing = (await run(unzip!.command, ['-Z1', path])).toString().trim().split('\n');
        expect(listing).toHaveLength(1);
        expect(listing[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        return (await run(unzip!.command, ['-p', path])).toString();
      });
      expectAllRecords(decoded, '.zip');
    });
  });
  describe.runIf(java)('Snappy', () => {
    it("snappy-java's SnappyInputStream reads every object", async () => {
      const objects = await delivered('Snappy', async (_k, b) => quickSnappyJava(b));
      const files = [...objects.keys()].map((key) => [key, join(work, key.replace(/\//g, '_'))] as const);
      for (const [key, path] of files) writeFileSync(path, objectsIn(s3Dir, 'codec-snappy').get(key) as Buffer);
      await run(java!.command, ['-cp', SNAPPY_JAVA_JAR, SNAPPY_JAVA_CAT, ...files.flatMap(([, p]) => ['read-stream', p, `${p}.out`])]);
      expectAllRecords(new Map(files.map(([key, path]) => [key, readFileSync(`${path}.out`).toString()])), '.snappy');
    }, 60_000);
  });
  it("HADOOP_SNAPPY: Hadoop's block format, read by a reader written from its description", async () => {
    expectAllRecords(await delivered('HADOOP_SNAPPY', async (_k, b) => readHadoopSnappy(b).data.toString()), '.snappy');
  });
});
