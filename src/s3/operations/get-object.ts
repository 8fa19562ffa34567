// GetObject: GET /<bucket>/<key> (S3 API reference, GetObject): the whole object or one byte range
// (206), streamed from the file opened for this request, so an object replaced meanwhile is still
// sent whole as it was when its headers were written.
import { FileBody, checkConditions, checkVersionId, objectHeaders, selectBytes } from '../object-response.js';
import { readObjectMeta } from '../object-store.js';
import type { S3Operation } from '../request.js';

export const getObject: S3Operation = async (req, ctx) => {
  checkVersionId(req);
  const obj = await ctx.store.open(req.bucket, req.key);
  let handedOver = false;
  try {
    const [etag, meta] = await Promise.all([ctx.etags.of(obj.file, obj.stat, obj.handle), readObjectMeta(obj)]);
    const headers = objectHeaders(req, obj, etag, meta);
    const notModified = checkConditions(req, obj, headers);
    if (notModified !== undefined) return notModified;
    const bytes = selectBytes(req, obj.stat.size, headers);
    if (bytes.length === 0) return { status: bytes.status, headers, body: '' };
    handedOver = true; // the body closes the file from here on
    return { status: bytes.status, headers, body: '', stream: new FileBody(obj.handle, bytes.start, bytes.length) };
  } finally {
    if (!handedOver) await obj.handle.close();
  }
};
