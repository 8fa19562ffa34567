// GetBucketLocation: GET /<bucket>?location (S3 API reference). Buckets are wherever the client
// signs for; us-east-1 is S3's empty LocationConstraint.
import { xmlResponse, type S3Operation } from '../request.js';
import { escapeXml } from '../xml.js';

export const getBucketLocation: S3Operation = async (req, ctx) => {
  await ctx.store.bucketDir(req.bucket);
  return xmlResponse('LocationConstraint', req.region === 'us-east-1' ? '' : escapeXml(req.region));
};
