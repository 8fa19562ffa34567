// One page of a bucket's keys, as ListObjectsV2 and ListObjects (v1) share it: keys that start
// with the prefix, after the bound, rolled up at the delimiter into CommonPrefixes, at most
// maxKeys entries (keys and CommonPrefixes count alike), in UTF-8 binary order. The walk holds one
// page of entries and one more to know whether the page is truncated.
//
// A CommonPrefix that is not after the bound is passed over with all its keys, as S3 does: that
// is what lets v1 clients resume from a NextMarker that is a CommonPrefix (moto does the same), so
// start-after 'a/b' with delimiter '/' returns no 'a/' and nothing under it.
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import type { ETags } from './etags.js';
import { invalidArgument } from './errors.js';
import { isAfter, type Bound } from './key-order.js';
import { KeyWalker } from './key-walker.js';
import { isMissing } from './object-store.js';
import { OWNER, isoSeconds } from './request.js';
import { el } from './xml.js';

/** S3 returns at most 1,000 entries per page, whatever max-keys asks (ListObjectsV2 API reference). */
export const MAX_KEYS_PAGE = 1000;
const INT32_MAX = 2_147_483_647;

export interface PageRequest {
  prefix: string;
  /** '' for none. */
  delimiter: string;
  maxKeys: number;
  after: Bound;
}

export interface ListedObject {
  key: string;
  size: number;
  lastModifiedMs: number;
  etag: string;
}

export interface Page {
  objects: ListedObject[];
  commonPrefixes: string[];
  truncated: boolean;
  /** Where the next page starts: after the last entry of this one (undefined when it has none). */
  next: Bound | undefined;
}

export async function listPage(bucketDir: string, req: PageRequest, etags: ETags): Promise<Page> {
  const page: Page = { objects: [], commonPrefixes: [], truncated: false, next: undefined };
  // max-keys=0 is an empty page that is not truncated (what AWS answers).
  if (req.maxKeys === 0) return page;
  const limit = Math.min(req.maxKeys, MAX_KEYS_PAGE);
  const walker = new KeyWalker(bucketDir, req.prefix, req.after);
  let count = 0;
  for (;;) {
    const walked = await walker.next();
    if (walked === undefined) return page;
    const commonPrefix = rollUp(walked.key, req.prefix, req.delimiter);
    let stat: Stats | undefined;
    if (commonPrefix !== undefined) {
      walker.advance({ key: commonPrefix, prefix: true });
      if (!isAfter(commonPrefix, req.after)) continue;
    } else {
      stat = await fileStat(walked.file);
      if (stat === undefined) continue; // removed since it was walked
    }
    if (count === limit) {
      page.truncated = true;
      return page;
    }
    if (stat !== undefined) {
      const etag = await etags.of(walked.file, stat).catch((err: unknown) => {
        if (isMissing(err)) return undefined; // removed since its stat
        throw err;
      });
      if (etag === undefined) continue;
      count++;
      page.objects.push({ key: walked.key, size: stat.size, lastModifiedMs: stat.mtimeMs, etag });
      page.next = { key: walked.key, prefix: false };
    } else {
      count++;
      page.commonPrefixes.push(commonPrefix as string);
      page.next = { key: commonPrefix as string, prefix: true };
    }
  }
}

/** The CommonPrefix a key rolls up into: the prefix, then the key up to and with the first delimiter after it. */
export function rollUp(key: string, prefix: string, delimiter: string): string | undefined {
  if (delimiter === '') return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at === -1 ? undefined : key.slice(0, at + delimiter.length);
}

async function fileStat(file: string): Promise<Stats | undefined> {
  try {
    const stat = await lstat(file);
    return stat.isFile() ? stat : undefined;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * max-keys as S3 checks it: not an integer (or outside 32 bits), and negative, get different
 * messages and argument names, as S3 compatibility suites record AWS's answers.
 */
export function parseMaxKeys(value: string | null): number {
  if (value === null) return MAX_KEYS_PAGE;
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n > INT32_MAX || n < -INT32_MAX - 1) {
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', value);
  }
  if (n < 0) throw invalidArgument('Argument maxKeys must be an integer between 0 and 2147483647', 'maxKeys', value);
  return n;
}

/** encoding-type: only 'url' exists. */
export function parseEncodingType(value: string | null): 'url' | undefined {
  if (value === null) return undefined;
  if (value !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', value);
  return 'url';
}

/**
 * encoding-type=url: each UTF-8 byte but the unreserved characters and '/' as %XX. Botocore
 * decodes these fields with unquote_plus, so '+' and ' ' must be escaped too, and are.
 */
export function urlEncode(text: string): string {
  // encodeURIComponent leaves !'()* as they are; escaped too, every decoder gives them back.
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%2F/g, '/');
}

/** What a listing's XML shows of an object: an element of Contents. */
export function contentsXml(object: ListedObject, withOwner: boolean, encode: (text: string) => string): string {
  const owner = withOwner ? `<Owner>${el('ID', OWNER.ID)}${el('DisplayName', OWNER.DisplayName)}</Owner>` : '';
  return (
    `<Contents>${el('Key', encode(object.key))}${el('LastModified', isoSeconds(object.lastModifiedMs))}${el('ETag', object.etag)}` +
    `${el('Size', object.size)}${owner}${el('StorageClass', 'STANDARD')}</Contents>`
  );
}

export function commonPrefixesXml(prefixes: string[], encode: (text: string) => string): string {
  return prefixes.map((p) => `<CommonPrefixes>${el('Prefix', encode(p))}</CommonPrefixes>`).join('');
}
