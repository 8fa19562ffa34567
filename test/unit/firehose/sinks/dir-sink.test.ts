import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
// From the built package: the sink stores objects in worker threads, which load compiled files.
import { DirSink, readObjectMeta, isReservedName, SinkInputError, TEMP_PREFIX } from 'riffle/internal';
import { needTool, TMPFS_MOUNT } from '../../../integration/tools.js';

const OCTETS = 'application/octet-stream';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'riffle-dirsink-'));
  dirs.push(d);
  return d;
}

/** Every file under `root`, as root-relative paths, sorted. */
function files(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath: string; isFile(): boolean }>)
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

describe('DirSink', () => {
  it('stores nested keys whole, with their metadata beside them in .riffle-meta/', async () => {
    const root = tempRoot();
    const sink = new DirSink(join(root, 'not-yet')); // the root is created on the first put
    const gz = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]);
    await sink.put('my.bucket-1', 'logs/2024/05/01/12/stream-1-2024-05-01-12-00-00-abc.gz', gz, { contentType: OCTETS, contentEncoding: 'gzip' });
    await sink.put('my.bucket-1', 'plain', Buffer.from('abcabcabc'), { contentType: OCTETS });
    expect(files(root)).toEqual([
      'not-yet/my.bucket-1/.riffle-meta/plain',
      'not-yet/my.bucket-1/logs/2024/05/01/12/.riffle-meta/stream-1-2024-05-01-12-00-00-abc.gz',
      'not-yet/my.bucket-1/logs/2024/05/01/12/stream-1-2024-05-01-12-00-00-abc.gz',
      'not-yet/my.bucket-1/plain',
    ]);
    expect(readFileSync(join(root, 'not-yet/my.bucket-1/logs/2024/05/01/12/stream-1-2024-05-01-12-00-00-abc.gz'))).toEqual(gz);
    expect(readFileSync(join(root, 'not-yet/my.bucket-1/plain'), 'utf8')).toBe('abcabcabc');
    expect(await readObjectMeta(sink.root, 'my.bucket-1', 'logs/2024/05/01/12/stream-1-2024-05-01-12-00-00-abc.gz')).toEqual({ contentType: OCTETS, contentEncoding: 'gzip' });
    expect(await readObjectMeta(sink.root, 'my.bucket-1', 'plain')).toEqual({ contentType: OCTETS });
    expect(sink.description).toBe(`directory ${join(root, 'not-yet')}`);
    // Replacing a key replaces body and metadata; both Snappy variants keep their own encoding.
    await sink.put('my.bucket-1', 'plain', Buffer.from('x'), { contentType: OCTETS, contentEncoding: 'hadoop-snappy' });
    expect(readFileSync(join(root, 'not-yet/my.bucket-1/plain'), 'utf8')).toBe('x');
    expect(await readObjectMeta(sink.root, 'my.bucket-1', 'plain')).toEqual({ contentType: OCTETS, contentEncoding: 'hadoop-snappy' });
    expect(files(root).filter((f) => f.includes(TEMP_PREFIX))).toEqual([]);
    await sink.close();
  });

  it('reads no metadata for a file put there by hand, and refuses a sidecar it did not write', async () => {
    const root = tempRoot();
    mkdirSync(join(root, 'bkt', '.riffle-meta'), { recursive: true });
    writeFileSync(join(root, 'bkt', 'by-hand'), 'x');
    expect(await readObjectMeta(root, 'bkt', 'by-hand')).toBeUndefined();
    expect(await readObjectMeta(root, 'bkt', 'no/such/dir')).toBeUndefined();
    writeFileSync(join(root, 'bkt', '.riffle-meta', 'odd'), '{"contentType": 3}');
    await expect(readObjectMeta(root, 'bkt', 'odd')).rejects.toThrow(/\.riffle-meta\/odd: not the metadata Riffle writes/);
    await expect(readObjectMeta(root, 'bkt', '../x')).rejects.toThrow(SinkInputError);
  });

  it('refuses bucket names S3 refuses and keys that would leave the bucket or collide with its own files', async () => {
    const root = tempRoot();
    const sink = new DirSink(root);
    const badBuckets = ['ab', 'A-bucket', 'a'.repeat(64), 'bucket..x', '192.168.1.1', '-abc', 'abc-', 'xn--abc', 'has_underscore', 'abc-s3alias', '../etc', ''];
    const badKeys = ['', '..', '../x', 'a/../../x', 'a/./b', '/abs', 'a//b', 'a/', 'nul\0x', `${TEMP_PREFIX}1`, 'a/.riffle-meta/b', 'x'.repeat(1025), `a/${'y'.repeat(256)}`];
    for (const bucket of badBuckets) {
      await expect(sink.put(bucket, 'k', Buffer.from('x'), { contentType: OCTETS }), bucket).rejects.toThrow(SinkInputError);
    }
    for (const key of badKeys) {
      await expect(sink.put('bkt', key, Buffer.from('x'), { contentType: OCTETS }), JSON.stringify(key)).rejects.toThrow(SinkInputError);
    }
    await expect(sink.put('bkt', '../x', Buffer.from('x'), { contentType: OCTETS })).rejects.toThrow('bad object name s3://bkt/../x: a key stored as a file has no ".." segment');
    await expect(sink.put('bkt', 'k', Buffer.from('x'), { contentType: 'text/plain\r\nX-Evil: 1' })).rejects.toThrow(/contentType .* is not a header value/);
    expect(files(root)).toEqual([]);
    expect(readdirSync(root)).toEqual([]);
    // The longest names that fit are fine: 63-character bucket, 255-byte segment, 1024-byte key.
    const longKey = `${'d'.repeat(255)}/${'e'.repeat(255)}/${'f'.repeat(255)}/${'g'.repeat(256)}`;
    expect(Buffer.byteLength(longKey)).toBe(1024);
    await expect(sink.put('bkt', longKey, Buffer.from('x'), { contentType: OCTETS })).rejects.toThrow(SinkInputError); // 'g' × 256
    const fits = `${'d'.repeat(255)}/${'e'.repeat(255)}/${'f'.repeat(255)}/${'g'.repeat(255)}`;
    await sink.put('a'.repeat(63), fits, Buffer.from('x'), { contentType: OCTETS });
    expect(readFileSync(join(root, 'a'.repeat(63), fits), 'utf8')).toBe('x');
  });

  it('fails a key that is the prefix of another (a file cannot be a directory), leaving no temp file; retryable, not an input error', async () => {
    const root = tempRoot();
    const sink = new DirSink(root);
    await sink.put('bkt', 'a/b', Buffer.from('1'), { contentType: OCTETS });
    await expect(sink.put('bkt', 'a/b/c', Buffer.from('2'), { contentType: OCTETS })).rejects.toThrow(/ENOTDIR.*cannot be both an object and the prefix of another key/);
    await expect(sink.put('bkt', 'a', Buffer.from('3'), { contentType: OCTETS })).rejects.toThrow(/EISDIR.*cannot be both an object and the prefix of another key/);
    await expect(sink.put('bkt', 'a', Buffer.from('3'), { contentType: OCTETS })).rejects.not.toThrow(SinkInputError);
    expect(files(root)).toEqual(['bkt/a/.riffle-meta/b', 'bkt/a/b']); // no temp file, no sidecar for "a"
  });

  it('close() waits for a put in flight, then refuses new ones', async () => {
    const root = tempRoot();
    const sink = new DirSink(root);
    const put = sink.put('bkt', 'big', Buffer.alloc(4 << 20, 1), { contentType: OCTETS });
    await sink.close();
    expect(readFileSync(join(root, 'bkt', 'big')).length).toBe(4 << 20); // stored before close resolved
    await put;
    await expect(sink.put('bkt', 'later', Buffer.from('x'), { contentType: OCTETS })).rejects.toThrow(/storing s3:\/\/bkt\/later in directory .*: the sink is closed/);
  });

  it('isReservedName names what an S3 listing must skip', () => {
    expect([`${TEMP_PREFIX}0b1c`, '.riffle-meta', 'object.gz', '.hidden'].map(isReservedName)).toEqual([true, true, false, false]);
  });
});

// A reader on another thread polls the object's directory while the main thread replaces the
// object. Version v of the object is SIZE + v bytes, all equal to v, so any read tells whole from
// torn. Counters in shared memory: [stop, whole, partial, sawTemp, absent].
const READER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { dir, name, size, tempPrefix, counters } = workerData;
const c = new Int32Array(counters);
const expected = new Map();
while (Atomics.load(c, 0) === 0) {
  for (const entry of fs.readdirSync(dir)) {
    if (entry.startsWith(tempPrefix)) Atomics.add(c, 3, 1);
    if (entry !== name) continue;
    let buf;
    try { buf = fs.readFileSync(dir + '/' + entry); } catch (e) { if (e.code === 'ENOENT') continue; throw e; }
    const v = buf.length - size;
    if (!expected.has(v)) expected.set(v, Buffer.alloc(size + v, v));
    Atomics.add(c, v >= 1 && v <= 255 && buf.equals(expected.get(v)) ? 1 : 2, 1);
  }
}
`;

describe('DirSink with a concurrent reader', () => {
  it('never shows a reader a partial object under the final name (a direct write does)', async () => {
    const root = tempRoot();
    const sink = new DirSink(root);
    const SIZE = 8 << 20;
    const dir = join(root, 'bkt', 'deep', 'er');
    mkdirSync(dir, { recursive: true });
    const counters = new Int32Array(new SharedArrayBuffer(5 * 4));
    const worker = new Worker(READER, { eval: true, workerData: { dir, name: 'obj', size: SIZE, tempPrefix: TEMP_PREFIX, counters: counters.buffer } });
    const failed = new Promise<never>((_, reject) => worker.once('error', reject));
    const count = (i: number): number => Atomics.load(counters, i);
    try {
      // Replace the object until the reader has seen a temp file (the write in progress) and whole
      // objects several times; bounded, so a reader that never catches a write fails the test.
      let puts = 0;
      for (; puts < 300 && (count(3) === 0 || count(1) < 5); puts++) {
        const v = (puts % 4) + 1;
        await Promise.race([sink.put('bkt', 'deep/er/obj', Buffer.alloc(SIZE + v, v), { contentType: OCTETS }), failed]);
      }
      expect(count(3)).toBeGreaterThan(0);
      expect(count(1)).toBeGreaterThanOrEqual(5);
      expect(count(2)).toBe(0);
      // The control: writing the final name directly (no temp, no rename) is seen torn.
      const fd = openSync(join(dir, 'obj'), 'w');
      try {
        writeSync(fd, Buffer.alloc(SIZE / 2, 9));
        for (let i = 0; i < 10_000 && count(2) === 0; i++) await Promise.race([new Promise((r) => setTimeout(r, 1)), failed]);
        writeSync(fd, Buffer.alloc(SIZE / 2 + 9, 9));
      } finally {
        closeSync(fd);
      }
      expect(count(2)).toBeGreaterThan(0);
    } finally {
      Atomics.store(counters, 0, 1);
      await worker.terminate();
    }
  }, 60_000);
});

/** A tmpfs of `size` at a fresh mount point. */
function tinyDisk(size: string): { dir: string; remount(options: string): void; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'riffle-dirsink-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  return {
    dir,
    remount: (options) => execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: 'ignore' }),
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const mount = await needTool(TMPFS_MOUNT, { tests: 'the full-disk and read-only tests' });

describe.runIf(mount)('DirSink on a full or read-only disk', () => {
  it('rejects with ENOSPC and leaves no temp file; the object already there stays whole', async () => {
    const disk = tinyDisk('1m');
    try {
      const sink = new DirSink(disk.dir);
      const first = Buffer.alloc(600 << 10, 1);
      await sink.put('bkt', 'p/first', first, { contentType: OCTETS, contentEncoding: 'gzip' });
      await expect(sink.put('bkt', 'p/second', Buffer.alloc(600 << 10, 2), { contentType: OCTETS })).rejects.toThrow(/^storing s3:\/\/bkt\/p\/second in directory \S+ failed: ENOSPC: no space left on device/);
      await expect(sink.put('bkt', 'q/huge', Buffer.alloc(2 << 20, 3), { contentType: OCTETS })).rejects.toThrow(/ENOSPC/);
      expect(files(disk.dir)).toEqual(['bkt/p/.riffle-meta/first', 'bkt/p/first']);
      expect(readFileSync(join(disk.dir, 'bkt/p/first')).equals(first)).toBe(true); // (toEqual on 600 KiB takes a second)
      // The failed puts freed what they wrote: a put that fits goes through.
      await sink.put('bkt', 'p/third', Buffer.alloc(200 << 10, 4), { contentType: OCTETS });
      expect(readFileSync(join(disk.dir, 'bkt/p/third')).length).toBe(200 << 10);
      // Read-only: refused, nothing written.
      disk.remount('ro');
      await expect(sink.put('bkt', 'p/fourth', Buffer.from('x'), { contentType: OCTETS })).rejects.toThrow(/EROFS: read-only file system/);
      disk.remount('rw');
      expect(files(disk.dir)).toEqual(['bkt/p/.riffle-meta/first', 'bkt/p/.riffle-meta/third', 'bkt/p/first', 'bkt/p/third']);
      await sink.close();
    } finally {
      disk.unmount();
    }
  });
});

describe('DirSink.sweep', () => {
  it('removes the temp files a crash left (older than the sweep), in .riffle-meta too, and nothing else', async () => {
    const root = tempRoot();
    const sink = new DirSink(root);
    await sink.put('bkt', 'a/b/obj', Buffer.from('kept'), { contentType: OCTETS });
    const old = new Date(Date.now() - 60_000);
    for (const p of [join(root, 'bkt', 'a', 'b', `${TEMP_PREFIX}crash`), join(root, 'bkt', 'a', 'b', '.riffle-meta', `${TEMP_PREFIX}crash`)]) {
      writeFileSync(p, 'half');
      utimesSync(p, old, old);
    }
    // Written before the sweep starts, so it too counts as left over (a put running during the sweep writes newer ones).
    writeFileSync(join(root, 'bkt', 'a', `${TEMP_PREFIX}recent`), 'half');
    expect(await sink.sweep('bkt')).toBe(3);
    expect(files(root)).toEqual(['bkt/a/b/.riffle-meta/obj', 'bkt/a/b/obj']);
    expect(await sink.sweep('nope')).toBe(0); // no such bucket directory
    expect(await sink.sweep('Bad_Name')).toBe(0);
    await sink.close();
  });
});
