// HeadObject: HEAD /<bucket>/<key> (S3 API reference, HeadObject): GetObject's headers, conditions
// and range, without the body; Content-Length is the length GetObject would send.
import { checkConditions, checkVersionId, objectHeaders, selectBytes } from '../object-response.js';
import { readObjectMeta } from '../object-store.js';
import type { S3Operation } from '../request.js';

export const headObject: S3Operation = async (req, ctx) => {
  checkVersionId(req);
  const obj = await ctx.store.open(req.bucket, req.key);
  try {
    const [etag, meta] = await Promise.all([ctx.etags.of(obj.file, obj.stat, obj.handle), readObjectMeta(obj)]);
    const headers = objectHeaders(req, obj, etag, meta);
    const notModified = checkConditions(req, obj, headers);
    if (notModified !== undefined) return notModified;
    const bytes = selectBytes(req, obj.stat.size, headers);
    return { status: bytes.status, headers, body: '', headLength: bytes.length };
  } finally {
    await obj.handle.close();
  }
};
