// Values that pass type checks and often the constraints too, chosen by member name: limits and
// one past them, boundary hash keys and sequence numbers, forged iterators and tokens, ARNs of
// other regions, accounts and resources, timestamps far off, Firehose prefixes with odd
// expressions. These reach the operations themselves, where the 500s hide.
const MAX_HASH = (2n ** 128n - 1n).toString();
const SEQ = ['0', '1', '4' + '0'.repeat(43), '4' + '9'.repeat(43), '5' + '0'.repeat(43), '49' + '0'.repeat(42), '4' + '0'.repeat(12) + '1' + '0'.repeat(30), '9'.repeat(128), '-1', '4' + '0'.repeat(23) + '9'.repeat(20)];
const PATTERNS = ['!{timestamp:}', '!{timestamp:yyyy/MM/dd/HH/mm/ss/SSS}', '!{timestamp:VV}', "!{timestamp:''''}", "!{timestamp:'}", '!{timestamp:[[[}', '!{timestamp:G}', '!{timestamp:uuuuuuuuuuuuuuuuuuuu}', '!{timestamp:n}', '!{timestamp:zzzz}', '!{timestamp:xxxxx}', '!{timestamp:QQQQQ}', '!{timestamp:e}', '!{timestamp:B}', `!{timestamp:${'y'.repeat(1000)}}`, '!{firehose:random-string}', '!{firehose:error-output-type}', '!{partitionKeyFromQuery:x}', '!{partitionKeyFromLambda:x}', '!{', '!{}', '!{timestamp:yyyy}'.repeat(100), '../../', '/', 'a//b/', '%2e%2e/'];

/** Whether there are near-valid values for a member of this name. */
export const hasNearValid = (key) => typeof key === 'string' && Object.hasOwn(NEAR, key);

/** Near-valid values for a member (by its name), or null when none are known. */
export function nearValid(r, key, value, ctx) {
  if (!hasNearValid(key)) return null;
  const list = NEAR[key];
  const v = typeof list === 'function' ? list(r, value, ctx) : list;
  return Array.isArray(v) ? r.pick(v) : v;
}

const arns = (ctx) => [
  ctx.streamArn.replace('us-east-1', 'eu-west-1'),
  ctx.streamArn.replace('000000000000', '111111111111'),
  ctx.streamArn.replace('arn:aws:', 'arn:aws-cn:'),
  `${ctx.streamArn}/consumer/c0:1`,
  ctx.consumerArn,
  `${ctx.streamArn}x`,
  ctx.streamArn.toUpperCase(),
  'arn:aws:firehose:us-east-1:000000000000:deliverystream/fuzz-delivery',
  'arn:aws:kinesis:us-east-1:000000000000:stream/fuzz-c0',
  `${ctx.streamArn}/consumer/`,
  `${ctx.streamArn}/consumer/c0:99999999999999999999`,
];

/** A valid iterator changed a little: one character, truncated, extended, or another's base64. */
function forgedIterator(r, ctx) {
  const it = ctx.iterator ?? 'AAAA';
  const b = Buffer.from(it, 'base64');
  switch (r.int(6)) {
    case 0:
      b[r.int(b.length)] ^= 1 << r.int(8);
      return b.toString('base64');
    case 1:
      return it.slice(0, r.int(it.length));
    case 2:
      return it + 'AAAA';
    case 3:
      return Buffer.concat([b.subarray(0, 9), Buffer.alloc(8, 0xff), b.subarray(17)]).toString('base64');
    case 4:
      return Buffer.alloc(b.length, 0).toString('base64');
    default:
      return it;
  }
}

const NEAR = {
  ShardId: ['shardId-000000000001', 'shardId-000000000002', 'shardId-999999999999', 'shardId-00000000000', 'shardId-0000000000000', 'shardId-000000000000\u0000', '0', 'shardId--00000000001', 'shardId-00000000000a'],
  ShardToSplit: ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-999999999999'],
  ShardToMerge: ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'],
  AdjacentShardToMerge: ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000003'],
  ExclusiveStartShardId: ['shardId-000000000000', 'shardId-999999999999', 'x', ''],
  ShardIterator: (r, v, ctx) => forgedIterator(r, ctx),
  StartingSequenceNumber: SEQ,
  SequenceNumber: SEQ,
  SequenceNumberForOrdering: SEQ,
  ExplicitHashKey: ['0', '1', MAX_HASH, (2n ** 128n).toString(), '-1', '0'.repeat(40) + '1', '1'.repeat(39), '170141183460469231731687303715884105728'],
  NewStartingHashKey: ['0', '1', MAX_HASH, (2n ** 128n).toString(), '170141183460469231731687303715884105727', '170141183460469231731687303715884105729', '-1'],
  Timestamp: [0, -1, 1e12, 1e15, 253402300800, 253402300801, 1.5, Date.now() / 1000 + 86_400, -1e10, 1e300],
  StreamCreationTimestamp: [0, -1, 1e12, Date.now() / 1000, 253402300800],
  NextToken: (r, v) => ['', 'x', 'AAAA', Buffer.from(JSON.stringify({ a: 1 })).toString('base64'), Buffer.from('{').toString('base64'), 'A'.repeat(1048), typeof v === 'string' ? v + 'x' : 'y'],
  Limit: [0, 1, 100, 10000, 10001, -1, 2 ** 31, 1.5],
  MaxResults: [0, 1, 10000, 10001, -1],
  RetentionPeriodHours: [0, 23, 24, 168, 8760, 8761],
  ShardCount: [0, 1, 2, 3, 4],
  TargetShardCount: [0, 1, 2, 3, 4],
  StreamName: ['fuzz-c0', 'fuzz-c1', 'a', 'a'.repeat(128), 'a'.repeat(129), 'fuzz.', '.', '-', '_'],
  PartitionKey: ['', 'k', 'a'.repeat(256), 'é'.repeat(256), 'é'.repeat(257), '😀'.repeat(128), '😀'.repeat(129)],
  Data: ['', 'eA==', 'eA', 'e A==', Buffer.alloc(1024 * 1024 - 1).toString('base64'), Buffer.alloc(1024 * 1024 + 1).toString('base64')],
  MaxRecordSizeInKiB: [0, 1023, 1024, 10240, 10241],
  WarmThroughputMiBps: [0, 1, 10_000, 10_001, -1],
  ConsumerName: ['c0', 'c1', '', 'a'.repeat(128), 'a'.repeat(129), 'c0:1'],
  ConsumerARN: (r, v, ctx) => [ctx.consumerArn, ctx.consumerArn.replace(/:\d+$/, ':1'), `${ctx.consumerArn}x`, ctx.streamArn, ctx.consumerArn.replace('c0', 'c9')],
  StreamARN: (r, v, ctx) => arns(ctx),
  ResourceARN: (r, v, ctx) => arns(ctx),
  Policy: ['{}', 'not json', JSON.stringify({ Version: '2012-10-17', Statement: Array(100).fill({ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }) }), '{"Statement":null}', 'null', '[]'],
  Tags: [{}, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])), Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])), { 'aws:x': 'y' }, { '': 'v' }, { k: 'v'.repeat(257) }],
  TagKeys: [[], Array(51).fill('k'), ['aws:x'], ['']],
  ShardLevelMetrics: [['ALL'], [], ['IncomingBytes', 'IncomingBytes'], ['Nope']],
  StartingPosition: [{ Type: 'AT_SEQUENCE_NUMBER' }, { Type: 'AT_TIMESTAMP' }, { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: SEQ[3] }, { Type: 'LATEST', SequenceNumber: '1', Timestamp: 1 }],
  ShardFilter: [{ Type: 'AFTER_SHARD_ID' }, { Type: 'AT_TIMESTAMP', Timestamp: 1e15 }, { Type: 'FROM_TIMESTAMP' }, { Type: 'AT_LATEST', ShardId: 'shardId-000000000000' }],
  BufferingHints: [{ SizeInMBs: 0 }, { SizeInMBs: 128, IntervalInSeconds: 900 }, { SizeInMBs: 129 }, { IntervalInSeconds: 901 }, { IntervalInSeconds: 0, SizeInMBs: 1 }],
  Prefix: PATTERNS,
  ErrorOutputPrefix: PATTERNS,
  CompressionFormat: ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY', 'gzip', ''],
  DeliveryStreamName: ['fuzz-delivery', 'fuzz-d0', 'a'.repeat(64), 'a'.repeat(65)],
  Records: [[], Array(501).fill({ PartitionKey: 'k', Data: 'eA==' }), Array(500).fill({ PartitionKey: 'k', Data: 'eA==' }), Array(501).fill({ Data: 'eA==' })],
};
