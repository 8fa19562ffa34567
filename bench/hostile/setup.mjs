// The fuzz run's own resources on a server: streams `fuzz` and `wsfuzz`, a consumer on each, a
// shard iterator, and a Firehose delivery stream that has written one object (for the S3 API's
// fuzzing). Returns the names the templates and fuzzers use.
import { AUTH } from './raw-http.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One AWS JSON 1.1 call (Kinesis or Firehose by the target's prefix); resolves { status, json }. */
export async function call(port, target, body) {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, authorization: AUTH, 'x-amz-date': '20260101T000000Z' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : JSON.parse(text) };
}

const kinesis = (port, op, body) => call(port, `Kinesis_20131202.${op}`, body);

async function active(port, name) {
  for (let i = 0; i < 100; i++) {
    const d = await kinesis(port, 'DescribeStreamSummary', { StreamName: name });
    if (d.json.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return d.json.StreamDescriptionSummary.StreamARN;
    await sleep(50);
  }
  throw new Error(`stream ${name} never became ACTIVE`);
}

async function consumer(port, streamArn, name) {
  const c = await kinesis(port, 'RegisterStreamConsumer', { StreamARN: streamArn, ConsumerName: name });
  const arn = c.json.Consumer?.ConsumerARN;
  for (let i = 0; i < 100 && arn !== undefined; i++) {
    const d = await kinesis(port, 'DescribeStreamConsumer', { ConsumerARN: arn });
    if (d.json.ConsumerDescription?.ConsumerStatus === 'ACTIVE') break;
    await sleep(50);
  }
  return arn;
}

export async function setupFuzz(server) {
  const port = server.port;
  for (const name of ['fuzz', 'wsfuzz']) await kinesis(port, 'CreateStream', { StreamName: name, ShardCount: 2 });
  const streamArn = await active(port, 'fuzz');
  const wsArn = await active(port, 'wsfuzz');
  const consumerArn = await consumer(port, streamArn, 'c0');
  const wsConsumerArn = await consumer(port, wsArn, 'wsc');
  const it = await kinesis(port, 'GetShardIterator', { StreamName: 'fuzz', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
  const deliveryStream = 'fuzz-delivery';
  await call(port, 'Firehose_20150804.CreateDeliveryStream', {
    DeliveryStreamName: deliveryStream,
    DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::fuzz-bucket', RoleARN: 'arn:aws:iam::000000000000:role/r', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } },
  });
  let s3Key;
  for (let i = 0; i < 40 && s3Key === undefined; i++) {
    await call(port, 'Firehose_20150804.PutRecord', { DeliveryStreamName: deliveryStream, Record: { Data: Buffer.from('{"a":1}\n').toString('base64') } });
    await sleep(100);
    const list = await fetch(`http://127.0.0.1:${port}/fuzz-bucket?list-type=2`, { headers: { authorization: AUTH.replace('/kinesis/', '/s3/'), 'x-amz-date': '20260101T000000Z', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }).then((r) => r.text());
    s3Key = /<Key>([^<]+)<\/Key>/.exec(list)?.[1];
  }
  return { stream: 'fuzz', streamArn, shardId: 'shardId-000000000000', consumerArn, iterator: it.json.ShardIterator, deliveryStream, s3Key, wsStream: 'wsfuzz', wsConsumerArn };
}

/** Deletes what the fuzzers may have made (fuzz-c*, fuzz-d*, channels), so that what stays in memory afterwards is not theirs. */
export async function cleanupFuzz(server) {
  const port = server.port;
  const streams = (await kinesis(port, 'ListStreams', { Limit: 1000 })).json.StreamNames ?? [];
  for (const name of streams.filter((n) => /^fuzz-c\d$/.test(n))) await kinesis(port, 'DeleteStream', { StreamName: name, EnforceConsumerDeletion: true });
  const deliveries = (await call(port, 'Firehose_20150804.ListDeliveryStreams', { Limit: 100 })).json.DeliveryStreamNames ?? [];
  for (const name of deliveries.filter((n) => /^fuzz-d\d$/.test(n))) await call(port, 'Firehose_20150804.DeleteDeliveryStream', { DeliveryStreamName: name, AllowForceDelete: true });
}
