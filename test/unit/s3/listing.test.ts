// The directory walk and the listing page against a model of S3's semantics: seeded random trees
// whose names mix the characters where UTF-16 and UTF-8 order disagree and the ones around '/'
// ('-' < '/' < '0'), every prefix/delimiter/max-keys combination paged to the end, and the walk
// with tiny directory batches (so batch refills are exercised) giving the same keys.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../prng.js';
import { ETags } from '../../../src/s3/etags.js';
import { START, type Bound } from '../../../src/s3/key-order.js';
import { KeyWalker } from '../../../src/s3/key-walker.js';
import { listPage, parseMaxKeys, rollUp, urlEncode } from '../../../src/s3/listing.js';

const SEGMENTS = ['a', 'b', 'a-b', 'a0', '-', '0', 'é', '\ue000', '😀', 'x y', '+', 'a.b'];


const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Keys of a random tree: no key is also a directory on the way to another. */
function randomKeys(seed: number, count: number): string[] {
  const rand = prng(seed);
  const keys = new Set<string>();
  while (keys.size < count) {
    const depth = 1 + Math.floor(rand() * 3);
    const parts = Array.from({ length: depth }, () => SEGMENTS[Math.floor(rand() * SEGMENTS.length)]!);
    keys.add(parts.join('/'));
  }
  const all = [...keys];
  return all.filter((k) => !all.some((other) => other.startsWith(`${k}/`))).sort(byBytes);
}

type Entry = { key: string } | { prefix: string };

/** S3's answer, computed from the sorted key list. */
function model(keys: string[], prefix: string, delimiter: string, after: Bound): Entry[] {
  const out: Entry[] = [];
  const isAfter = (k: string): boolean => byBytes(k, after.key) > 0 && !(after.prefix && k.startsWith(after.key));
  for (const key of keys) {
    if (!key.startsWith(prefix) || !isAfter(key)) continue;
    const cp = rollUp(key, prefix, delimiter);
    if (cp === undefined) out.push({ key });
    else if (isAfter(cp) && !out.some((e) => 'prefix' in e && e.prefix === cp)) out.push({ prefix: cp });
  }
  return out;
}

let root: string;
let bucket: string;
const KEYS = randomKeys(0xb0c4e7, 160);

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'riffle-s3-list-'));
  bucket = path.join(root, 'bucket');
  for (const key of KEYS) {
    mkdirSync(path.dirname(path.join(bucket, key)), { recursive: true });
    writeFileSync(path.join(bucket, key), key);
  }
  // Never listed: objects being written, metadata, empty directories, links (to a file inside or a directory outside).
  writeFileSync(path.join(bucket, '.riffle-tmp-123'), 'partial');
  writeFileSync(path.join(bucket, 'a', '.riffle-tmp-456'), 'partial');
  mkdirSync(path.join(bucket, 'a', '.riffle-meta'));
  writeFileSync(path.join(bucket, 'a', '.riffle-meta', 'b'), '{"contentType":"application/octet-stream"}');
  mkdirSync(path.join(bucket, 'empty', 'deeper'), { recursive: true });
  mkdirSync(path.join(bucket, 'only-temp'));
  writeFileSync(path.join(bucket, 'only-temp', '.riffle-tmp-9'), '');
  symlinkSync(path.join(bucket, KEYS[0]!), path.join(bucket, 'link-to-file'));
  symlinkSync(tmpdir(), path.join(bucket, 'link-out'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('KeyWalker', () => {
  it.each([1, 2, 3, 1024])('walks every key in UTF-8 order with batches of %d', async (batchSize) => {
    const walker = new KeyWalker(bucket, '', START, batchSize);
    const walked: string[] = [];
    for (let k = await walker.next(); k !== undefined; k = await walker.next()) walked.push(k.key);
    expect(walked).toEqual(KEYS);
  });

  it('starts after a bound without reading what lies before it', async () => {
    const bound = KEYS[40]!;
    const walker = new KeyWalker(bucket, '', { key: bound, prefix: false }, 2);
    const first = await walker.next();
    expect(first?.key).toBe(KEYS[41]);
  });
});

describe('listPage', () => {
  const etags = new ETags();
  const prefixes = ['', 'a', 'a/', 'a-', 'a/a', 'é', '😀/', '\ue000', 'zz'];
  const delimiters = ['', '/', '-', 'a', '/a'];

  it('pages through every prefix, delimiter and page size exactly as the model lists', async () => {
    let combos = 0;
    for (const prefix of prefixes) {
      for (const delimiter of delimiters) {
        const expected = model(KEYS, prefix, delimiter, START);
        for (const maxKeys of [1, 3, 7, 1000]) {
          const got: Entry[] = [];
          let after: Bound = START;
          for (let pages = 0; ; pages++) {
            expect(pages).toBeLessThanOrEqual(expected.length + 1);
            const page = await listPage(bucket, { prefix, delimiter, maxKeys, after }, etags);
            const entries: Entry[] = [...page.objects.map((o) => ({ key: o.key })), ...page.commonPrefixes.map((p) => ({ prefix: p }))];
            expect(entries.length).toBeLessThanOrEqual(maxKeys);
            got.push(...entries.sort((x, y) => byBytes('key' in x ? x.key : x.prefix, 'key' in y ? y.key : y.prefix)));
            if (!page.truncated) break;
            expect(entries.length).toBe(maxKeys);
            after = page.next!;
          }
          expect(got, `prefix ${JSON.stringify(prefix)} delimiter ${JSON.stringify(delimiter)} max-keys ${maxKeys}`).toEqual(expected);
          combos++;
        }
      }
    }
    expect(combos).toBe(prefixes.length * delimiters.length * 4);
  });

  it('starts after start-after, passing over a CommonPrefix at or before it', async () => {
    for (const startAfter of ['a', 'a/', 'a/b', 'a-b/', 'é', '']) {
      const after = { key: startAfter, prefix: false };
      const page = await listPage(bucket, { prefix: '', delimiter: '/', maxKeys: 1000, after }, etags);
      const got = [...page.objects.map((o) => ({ key: o.key })), ...page.commonPrefixes.map((p) => ({ prefix: p }))];
      const sortKey = (e: Entry): string => ('key' in e ? e.key : e.prefix);
      expect(got.sort((x, y) => byBytes(sortKey(x), sortKey(y))), startAfter).toEqual(model(KEYS, '', '/', after));
    }
  });

  it('describes each object: size, ETag as the MD5 of its bytes, mtime', async () => {
    const page = await listPage(bucket, { prefix: 'a-b', delimiter: '', maxKeys: 1000, after: START }, etags);
    expect(page.objects.length).toBeGreaterThan(0);
    for (const o of page.objects) {
      expect(o.size).toBe(Buffer.byteLength(o.key));
      const { createHash } = await import('node:crypto');
      expect(o.etag).toBe(`"${createHash('md5').update(o.key).digest('hex')}"`);
      expect(o.lastModifiedMs).toBeGreaterThan(Date.now() - 600_000);
    }
  });

  it('max-keys 0 is an empty page that is not truncated', async () => {
    const page = await listPage(bucket, { prefix: '', delimiter: '', maxKeys: 0, after: START }, etags);
    expect(page).toEqual({ objects: [], commonPrefixes: [], truncated: false, next: undefined });
  });
});

describe('listing arguments', () => {
  it('parses max-keys with S3 messages and argument names', () => {
    expect(parseMaxKeys(null)).toBe(1000);
    expect(parseMaxKeys('5000')).toBe(5000);
    expect(() => parseMaxKeys('abc')).toThrow('Provided max-keys not an integer or within integer range');
    expect(() => parseMaxKeys('2147483648')).toThrow('Provided max-keys not an integer or within integer range');
    expect(() => parseMaxKeys('1.5')).toThrow('Provided max-keys not an integer or within integer range');
    expect(() => parseMaxKeys('-1')).toThrow('Argument maxKeys must be an integer between 0 and 2147483647');
  });

  it('URL-encodes what botocore decodes with unquote_plus', () => {
    expect(urlEncode('a b+c/é!*')).toBe('a%20b%2Bc/%C3%A9%21%2A');
  });
});
