// ListObjectsV2: GET /<bucket>?list-type=2 (S3 API reference, ListObjectsV2).
import { invalidArgument } from '../errors.js';
import { START, type Bound } from '../key-order.js';
import { commonPrefixesXml, contentsXml, listPage, parseEncodingType, parseMaxKeys, urlEncode } from '../listing.js';
import { xmlResponse, type S3Operation } from '../request.js';
import { el } from '../xml.js';

export const listObjectsV2: S3Operation = async (req, ctx) => {
  const q = req.query;
  const maxKeys = parseMaxKeys(q.get('max-keys'));
  const encoding = parseEncodingType(q.get('encoding-type'));
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const startAfter = q.get('start-after');
  const token = q.get('continuation-token');
  // The token, when given, says where to resume; start-after only starts a listing.
  const after = token !== null ? decodeToken(token) : startAfter !== null ? { key: startAfter, prefix: false } : START;
  const bucketDir = await ctx.store.bucketDir(req.bucket);
  const page = await listPage(bucketDir, { prefix, delimiter, maxKeys, after }, ctx.etags);

  const encode = encoding === 'url' ? urlEncode : (text: string) => text;
  const withOwner = q.get('fetch-owner') === 'true';
  let xml = el('Name', req.bucket) + el('Prefix', encode(prefix));
  if (delimiter !== '') xml += el('Delimiter', encode(delimiter));
  xml += el('MaxKeys', maxKeys);
  if (encoding !== undefined) xml += el('EncodingType', encoding);
  xml += el('KeyCount', page.objects.length + page.commonPrefixes.length);
  if (token !== null) xml += el('ContinuationToken', token);
  if (page.truncated && page.next !== undefined) xml += el('NextContinuationToken', encodeToken(page.next));
  if (startAfter !== null) xml += el('StartAfter', encode(startAfter));
  xml += el('IsTruncated', page.truncated);
  xml += page.objects.map((o) => contentsXml(o, withOwner, encode)).join('');
  xml += commonPrefixesXml(page.commonPrefixes, encode);
  return xmlResponse('ListBucketResult', xml);
};

/**
 * Continuation tokens are opaque to clients: base64 of 'k' + the last key, or 'p' + the last
 * CommonPrefix (whose keys the next page passes over).
 */
function encodeToken(next: Bound): string {
  return Buffer.from(`${next.prefix ? 'p' : 'k'}${next.key}`, 'utf8').toString('base64');
}

function decodeToken(token: string): Bound {
  const raw = Buffer.from(token, 'base64');
  const text = raw.toString('utf8');
  // Only what encodeToken writes: canonical base64 of UTF-8 text behind a kind letter.
  if (raw.toString('base64') !== token || !Buffer.from(text, 'utf8').equals(raw) || (text[0] !== 'k' && text[0] !== 'p')) {
    throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return { key: text.slice(1), prefix: text[0] === 'p' };
}
