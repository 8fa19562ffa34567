// ListObjects (version 1): GET /<bucket> (S3 API reference, ListObjects). Older clients page with
// Marker; NextMarker is given only with a delimiter, otherwise the last key is the next marker.
import { commonPrefixesXml, contentsXml, listPage, parseEncodingType, parseMaxKeys, urlEncode } from '../listing.js';
import { xmlResponse, type S3Operation } from '../request.js';
import { el } from '../xml.js';

export const listObjects: S3Operation = async (req, ctx) => {
  const q = req.query;
  const maxKeys = parseMaxKeys(q.get('max-keys'));
  const encoding = parseEncodingType(q.get('encoding-type'));
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const marker = q.get('marker') ?? '';
  const bucketDir = await ctx.store.bucketDir(req.bucket);
  const page = await listPage(bucketDir, { prefix, delimiter, maxKeys, after: { key: marker, prefix: false } }, ctx.etags);

  const encode = encoding === 'url' ? urlEncode : (text: string) => text;
  let xml = el('Name', req.bucket) + el('Prefix', encode(prefix)) + el('Marker', encode(marker));
  if (page.truncated && delimiter !== '' && page.next !== undefined) xml += el('NextMarker', encode(page.next.key));
  xml += el('MaxKeys', maxKeys);
  if (delimiter !== '') xml += el('Delimiter', encode(delimiter));
  if (encoding !== undefined) xml += el('EncodingType', encoding);
  xml += el('IsTruncated', page.truncated);
  // Version 1 always lists the owner.
  xml += page.objects.map((o) => contentsXml(o, true, encode)).join('');
  xml += commonPrefixesXml(page.commonPrefixes, encode);
  return xmlResponse('ListBucketResult', xml);
};
