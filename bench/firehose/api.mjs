// One AWS JSON 1.1 call from the Firehose benchmark's orchestrator, to Kinesis or Firehose
// (unsigned: Riffle checks only that a signature is present). Throws with the error body on a
// non-200 answer.
const TARGETS = { kinesis: 'Kinesis_20131202', firehose: 'Firehose_20150804' };

export async function call(port, service, op, body) {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `${TARGETS[service]}.${op}`,
      authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      'x-amz-date': '20260101T000000Z',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = text === '' ? {} : JSON.parse(text);
  if (res.status !== 200) {
    const err = new Error(`${op}: ${text}`);
    err.type = json.__type;
    err.detail = json.message ?? json.Message;
    throw err;
  }
  return json;
}

const ROLE = 'arn:aws:iam::000000000000:role/firehose-bench';

/** Waits (bounded) until `check` resolves truthy. */
async function until(what, check, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A Kinesis stream, ACTIVE; returns its ARN. */
export async function createStream(port, name, shards) {
  await call(port, 'kinesis', 'CreateStream', { StreamName: name, ShardCount: shards });
  let arn;
  await until(`stream ${name} ACTIVE`, async () => {
    const s = (await call(port, 'kinesis', 'DescribeStreamSummary', { StreamName: name })).StreamDescriptionSummary;
    arn = s.StreamARN;
    return s.StreamStatus === 'ACTIVE';
  });
  return arn;
}

export async function deleteStream(port, name) {
  await call(port, 'kinesis', 'DeleteStream', { StreamName: name, EnforceConsumerDeletion: true });
}

/**
 * A delivery stream to `bucket` with `format`, ACTIVE. `source`: a Kinesis stream ARN for
 * KinesisStreamAsSource, else DirectPut.
 */
export async function createDeliveryStream(port, { name, bucket, format, sizeMBs, intervalSeconds, source }) {
  await call(port, 'firehose', 'CreateDeliveryStream', {
    DeliveryStreamName: name,
    ...(source === undefined ? { DeliveryStreamType: 'DirectPut' } : { DeliveryStreamType: 'KinesisStreamAsSource', KinesisStreamSourceConfiguration: { KinesisStreamARN: source, RoleARN: ROLE } }),
    ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: `arn:aws:s3:::${bucket}`, CompressionFormat: format, BufferingHints: { SizeInMBs: sizeMBs, IntervalInSeconds: intervalSeconds } },
  });
  await until(`delivery stream ${name} ACTIVE`, async () => (await call(port, 'firehose', 'DescribeDeliveryStream', { DeliveryStreamName: name })).DeliveryStreamDescription.DeliveryStreamStatus === 'ACTIVE');
}

export async function deleteDeliveryStream(port, name) {
  await call(port, 'firehose', 'DeleteDeliveryStream', { DeliveryStreamName: name });
}
