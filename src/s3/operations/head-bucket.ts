// HeadBucket: HEAD /<bucket> (S3 API reference, HeadBucket): 200 with the bucket's region, or the
// bare status of NoSuchBucket (HEAD answers have no body).
import type { S3Operation } from '../request.js';

export const headBucket: S3Operation = async (req, ctx) => {
  await ctx.store.bucketDir(req.bucket);
  return {
    status: 200,
    headers: { 'x-amz-bucket-region': req.region === '' ? 'us-east-1' : req.region, 'x-amz-access-point-alias': 'false' },
    body: '',
  };
};
