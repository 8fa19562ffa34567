// ListBuckets: GET / (S3 API reference, ListBuckets): the directories of s3Dir that are bucket
// names, in name order, paged with max-buckets and continuation-token when a client asks.
import { invalidArgument } from '../errors.js';
import { OWNER, isoSeconds, xmlResponse, type S3Operation } from '../request.js';
import { el } from '../xml.js';

const MAX_BUCKETS_MAX = 10_000;

export const listBuckets: S3Operation = async (req, ctx) => {
  const q = req.query;
  const maxBuckets = parseMaxBuckets(q.get('max-buckets'));
  const prefix = q.get('prefix');
  const token = q.get('continuation-token');
  const after = token === null ? undefined : decodeToken(token);
  const all = (await ctx.store.buckets()).filter(
    (b) => (prefix === null || b.name.startsWith(prefix)) && (after === undefined || b.name > after),
  );
  const page = all.slice(0, maxBuckets);

  let xml = `<Owner>${el('ID', OWNER.ID)}${el('DisplayName', OWNER.DisplayName)}</Owner><Buckets>`;
  for (const b of page) {
    xml += `<Bucket>${el('Name', b.name)}${el('CreationDate', isoSeconds(b.created.getTime()))}`;
    if (req.region !== '') xml += el('BucketRegion', req.region);
    xml += '</Bucket>';
  }
  xml += '</Buckets>';
  if (all.length > page.length) xml += el('ContinuationToken', Buffer.from(page.at(-1)!.name).toString('base64'));
  if (prefix !== null) xml += el('Prefix', prefix);
  return xmlResponse('ListAllMyBucketsResult', xml);
};

function parseMaxBuckets(value: string | null): number {
  if (value === null) return MAX_BUCKETS_MAX;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= MAX_BUCKETS_MAX)) {
    throw invalidArgument(`Argument max-buckets must be an integer between 1 and ${MAX_BUCKETS_MAX}`, 'max-buckets', value);
  }
  return n;
}

function decodeToken(token: string): string {
  const name = Buffer.from(token, 'base64').toString('utf8');
  if (name === '' || Buffer.from(name).toString('base64') !== token) {
    throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return name;
}
