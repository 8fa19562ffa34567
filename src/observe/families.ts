import { EVENT, LATENCY_BUCKETS_S, OP, type Histogram, type LatencyOp, type OpMetrics } from '../engine/op-metrics.js';
import { FH } from '../firehose/metrics.js';
import type { DeliveryStreamView } from '../firehose/firehose.js';
import { SYNC_BUCKETS_S } from '../shard/shard-metrics.js';
import { C, type ConsumerView, type ShardView, type StreamView } from './kinesis-view.js';

/**
 * Every Prometheus metric family /metrics exports, as a table: its name, help, type, and how its
 * samples are read from one snapshot. Names are AWS's CloudWatch metric names in snake case under
 * the service's namespace (aws_kinesis_, aws_firehose_), so Kinesis' IncomingRecords and Firehose's
 * never collide; CloudWatch's dimensions are labels (stream_name, shard_id, consumer_name,
 * delivery_stream_name). A stream-level series has no shard_id; the shard-level series of a
 * metric (only those EnableEnhancedMonitoring turned on, as on AWS) have one. Riffle's own
 * (owners, rings, fsync) are riffle_*.
 */

export interface Snapshot {
  nowMs: number;
  streams: StreamView[];
  deliveryStreams: DeliveryStreamView[];
  owners: OwnerSample[];
  ops: OpMetrics;
}

export interface OwnerSample {
  index: number;
  up: boolean;
  holding: boolean;
  requestRingBytes: number;
  requestRingCapacity: number;
  replyRingBytes: number;
  replyRingCapacity: number;
  commits: number;
  syncs: number;
  syncSeconds: number;
  syncBuckets: number[];
}

export type Labels = Record<string, string>;
export interface Sample {
  value: number;
  labels: Labels;
  /** For a histogram's _bucket, _sum and _count lines. */
  metricName?: string;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples(s: Snapshot): Sample[];
}

const streamLabels = (v: StreamView): Labels => ({ stream_name: v.stream.name });
const shardLabels = (v: StreamView, sh: ShardView): Labels => ({ stream_name: v.stream.name, shard_id: sh.shard.shardId });
const consumerLabels = (v: StreamView, c: ConsumerView): Labels => ({ stream_name: v.stream.name, consumer_name: c.consumer.name });

/** A metric with a stream-level series, and shard-level ones where enhanced monitoring asks for `awsName`. */
function streamAndShards(name: string, awsName: string, help: string, type: 'counter' | 'gauge', stream: ((v: StreamView) => number) | null, shard: (sh: ShardView) => number): Family {
  return {
    name,
    help,
    type,
    samples: (s) =>
      s.streams.flatMap((v) => [
        ...(stream === null ? [] : [{ value: stream(v), labels: streamLabels(v) }]),
        ...(v.stream.settings.shardLevelMetrics.includes(awsName) ? v.shards.map((sh) => ({ value: shard(sh), labels: shardLabels(v, sh) })) : []),
      ]),
  };
}

function perStream(name: string, help: string, type: 'counter' | 'gauge', value: (v: StreamView) => number): Family {
  return { name, help, type, samples: (s) => s.streams.map((v) => ({ value: value(v), labels: streamLabels(v) })) };
}

function perConsumer(name: string, help: string, type: 'counter' | 'gauge', word: number): Family {
  return { name, help, type, samples: (s) => s.streams.flatMap((v) => v.consumers.map((c) => ({ value: c.counters[word]!, labels: consumerLabels(v, c) }))) };
}

/** Buckets are stored per bucket; Prometheus wants them cumulative, with +Inf equal to _count. */
function histogramSamples(name: string, bounds: readonly number[], h: Histogram, labels: Labels): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  bounds.forEach((le, i) => {
    cumulative += h.buckets[i]!;
    out.push({ metricName: `${name}_bucket`, value: cumulative, labels: { ...labels, le: String(le) } });
  });
  cumulative += h.buckets[bounds.length]!;
  out.push({ metricName: `${name}_bucket`, value: cumulative, labels: { ...labels, le: '+Inf' } });
  out.push({ metricName: `${name}_sum`, value: h.sum, labels });
  out.push({ metricName: `${name}_count`, value: cumulative, labels });
  return out;
}

function latency(name: string, op: LatencyOp): Family {
  return {
    name,
    help: `${op}.Latency: the time ${op} calls took, from the stream's lookup to the answer.`,
    type: 'histogram',
    samples: (s) => s.streams.flatMap((v) => histogramSamples(name, LATENCY_BUCKETS_S, s.ops.histogram(v.ops, op), streamLabels(v))),
  };
}

/** `only`: the delivery streams of one destination type (DeliveryToS3.* for S3, DeliveryToHttpEndpoint.* for HTTP endpoints). */
function perDelivery(name: string, help: string, type: 'counter' | 'gauge', value: (d: DeliveryStreamView, nowMs: number) => number, only?: 's3' | 'http'): Family {
  const wanted = (d: DeliveryStreamView) => only === undefined || (only === 'http') === (d.stream.http !== undefined);
  return { name, help, type, samples: (s) => s.deliveryStreams.filter(wanted).map((d) => ({ value: value(d, s.nowMs), labels: { delivery_stream_name: d.stream.name } })) };
}

const freshness = (d: DeliveryStreamView, now: number) => (d.oldestPendingMs === Infinity ? 0 : Math.max(0, now - d.oldestPendingMs) / 1000);

/** The delivery families of one destination type, under its CloudWatch names. */
function deliveryFamilies(prefix: string, aws: string, only: 's3' | 'http', where: string): Family[] {
  return [
    perDelivery(`${prefix}_records_total`, `${aws}.Records: records ${where} took.`, 'counter', (d) => d.counters[FH.DELIVERY_RECORDS]!, only),
    perDelivery(`${prefix}_bytes_total`, `${aws}.Bytes: bytes of those records (for S3, of the objects before compression).`, 'counter', (d) => d.counters[FH.DELIVERY_BYTES]!, only),
    perDelivery(`${prefix}_success_total`, `${aws}.Success (numerator): attempts ${where} took.`, 'counter', (d) => d.counters[FH.DELIVERY_SUCCESS]!, only),
    perDelivery(`${prefix}_attempts_total`, `${aws}.Success (denominator): every attempt (each retry counts).`, 'counter', (d) => d.counters[FH.DELIVERY_ATTEMPTS]!, only),
    perDelivery(`${prefix}_data_freshness_seconds`, `${aws}.DataFreshness: the age of the oldest record not delivered yet (0: none waiting).`, 'gauge', freshness, only),
  ];
}

function perOwner(name: string, help: string, type: 'counter' | 'gauge', value: (o: OwnerSample) => number): Family {
  return { name, help, type, samples: (s) => s.owners.map((o) => ({ value: value(o), labels: { owner: String(o.index) } })) };
}

const K = 'aws_kinesis_';
const F = 'aws_firehose_';

export const FAMILIES: readonly Family[] = [
  // Kinesis: stream level, and shard level where enhanced monitoring is on.
  streamAndShards(`${K}incoming_bytes_total`, 'IncomingBytes', 'IncomingBytes: bytes of record data put (PutRecord, PutRecords, WebSocket ingest).', 'counter', (v) => v.totals[C.INCOMING_BYTES]!, (sh) => sh.counters[C.INCOMING_BYTES]!),
  streamAndShards(`${K}incoming_records_total`, 'IncomingRecords', 'IncomingRecords: records put.', 'counter', (v) => v.totals[C.INCOMING_RECORDS]!, (sh) => sh.counters[C.INCOMING_RECORDS]!),
  streamAndShards(`${K}write_provisioned_throughput_exceeded_total`, 'WriteProvisionedThroughputExceeded', 'WriteProvisionedThroughputExceeded: records refused by the shard write limits.', 'counter', (v) => v.totals[C.WRITE_THROTTLED]!, (sh) => sh.counters[C.WRITE_THROTTLED]!),
  streamAndShards(`${K}read_provisioned_throughput_exceeded_total`, 'ReadProvisionedThroughputExceeded', 'ReadProvisionedThroughputExceeded: GetRecords calls refused by the shard read limits.', 'counter', (v) => v.totals[C.READ_THROTTLED]!, (sh) => sh.counters[C.READ_THROTTLED]!),
  streamAndShards(`${K}outgoing_bytes_total`, 'OutgoingBytes', 'OutgoingBytes (shard level): bytes of record data read from the shard: GetRecords, and each fan-out event to each consumer.', 'counter', null, (sh) => sh.counters[C.GET_BYTES]! + sh.pushedBytes),
  streamAndShards(`${K}outgoing_records_total`, 'OutgoingRecords', 'OutgoingRecords (shard level): records read from the shard: GetRecords, and each fan-out event to each consumer.', 'counter', null, (sh) => sh.counters[C.GET_RECORDS]! + sh.pushedRecords),
  streamAndShards(`${K}iterator_age_milliseconds`, 'IteratorAgeMilliseconds', 'IteratorAgeMilliseconds (shard level): how far behind the tip the last GetRecords answer was.', 'gauge', null, (sh) => sh.iteratorAgeMs),
  // Kinesis: stream level, per operation.
  perStream(`${K}put_record_bytes_total`, 'PutRecord.Bytes: bytes of record data PutRecord stored.', 'counter', (v) => v.ops[OP.PUT_RECORD_BYTES]!),
  perStream(`${K}put_record_success_total`, 'PutRecord.Success: PutRecord calls that stored their record.', 'counter', (v) => v.ops[OP.PUT_RECORD_SUCCESS]!),
  latency(`${K}put_record_latency_seconds`, 'PutRecord'),
  perStream(`${K}put_records_bytes_total`, 'PutRecords.Bytes: bytes of record data PutRecords stored.', 'counter', (v) => v.ops[OP.PUT_RECORDS_BYTES]!),
  perStream(`${K}put_records_success_total`, 'PutRecords.Success: PutRecords calls in which at least one record was stored.', 'counter', (v) => v.ops[OP.PUT_RECORDS_SUCCESS]!),
  perStream(`${K}put_records_total_records_total`, 'PutRecords.TotalRecords: records sent in PutRecords calls.', 'counter', (v) => v.ops[OP.PUT_RECORDS_TOTAL_RECORDS]!),
  perStream(`${K}put_records_successful_records_total`, 'PutRecords.SuccessfulRecords: records PutRecords stored.', 'counter', (v) => v.ops[OP.PUT_RECORDS_SUCCESSFUL_RECORDS]!),
  perStream(`${K}put_records_failed_records_total`, 'PutRecords.FailedRecords: records PutRecords failed for an internal reason.', 'counter', (v) => v.ops[OP.PUT_RECORDS_FAILED_RECORDS]!),
  perStream(`${K}put_records_throttled_records_total`, 'PutRecords.ThrottledRecords: records PutRecords refused as over the shard write limits.', 'counter', (v) => v.ops[OP.PUT_RECORDS_THROTTLED_RECORDS]!),
  latency(`${K}put_records_latency_seconds`, 'PutRecords'),
  perStream(`${K}get_records_bytes_total`, 'GetRecords.Bytes: bytes of record data GetRecords returned.', 'counter', (v) => v.ops[OP.GET_RECORDS_BYTES]!),
  perStream(`${K}get_records_records_total`, 'GetRecords.Records: records GetRecords returned.', 'counter', (v) => v.ops[OP.GET_RECORDS_RECORDS]!),
  perStream(`${K}get_records_success_total`, 'GetRecords.Success: GetRecords calls answered.', 'counter', (v) => v.ops[OP.GET_RECORDS_SUCCESS]!),
  perStream(`${K}get_records_iterator_age_milliseconds`, "GetRecords.IteratorAgeMilliseconds: the largest of the shards' last GetRecords MillisBehindLatest (a lagging reader is not hidden by one caught up).", 'gauge', (v) => Math.max(0, ...v.shards.map((sh) => sh.iteratorAgeMs))),
  latency(`${K}get_records_latency_seconds`, 'GetRecords'),
  // Kinesis: per consumer (enhanced fan-out).
  perConsumer(`${K}subscribe_to_shard_success_total`, 'SubscribeToShard.Success: subscriptions started (SubscribeToShard and WebSocket push).', 'counter', EVENT.SUBSCRIBE_SUCCESS),
  perConsumer(`${K}subscribe_to_shard_rate_exceeded_total`, 'SubscribeToShard.RateExceeded: subscriptions refused within 5 s of the last one to the shard.', 'counter', EVENT.SUBSCRIBE_RATE_EXCEEDED),
  perConsumer(`${K}subscribe_to_shard_event_success_total`, 'SubscribeToShardEvent.Success: events sent (records, heartbeats, shard ends).', 'counter', EVENT.SUCCESS),
  perConsumer(`${K}subscribe_to_shard_event_records_total`, 'SubscribeToShardEvent.Records: records sent in events.', 'counter', EVENT.RECORDS),
  perConsumer(`${K}subscribe_to_shard_event_bytes_total`, 'SubscribeToShardEvent.Bytes: bytes of record data sent in events.', 'counter', EVENT.BYTES),
  {
    name: `${K}subscribe_to_shard_event_millis_behind_latest`,
    help: "SubscribeToShardEvent.MillisBehindLatest: the consumer's largest lag over its open subscriptions (its last event's, when none is open).",
    type: 'gauge',
    samples: (s) =>
      s.streams.flatMap((v) =>
        v.consumers.map((c) => ({ value: c.sessions.length > 0 ? Math.max(...c.sessions.map((x) => x.millisBehindLatest)) : c.counters[EVENT.MILLIS_BEHIND_LATEST]!, labels: consumerLabels(v, c) })),
      ),
  },
  // Firehose.
  perDelivery(`${F}incoming_bytes_total`, 'IncomingBytes: bytes of records put (PutRecord, PutRecordBatch).', 'counter', (d) => d.counters[FH.INCOMING_BYTES]!),
  perDelivery(`${F}incoming_records_total`, 'IncomingRecords: records put.', 'counter', (d) => d.counters[FH.INCOMING_RECORDS]!),
  perDelivery(`${F}incoming_put_requests_total`, 'IncomingPutRequests: PutRecord and PutRecordBatch calls that stored records.', 'counter', (d) => d.counters[FH.INCOMING_PUT_REQUESTS]!),
  perDelivery(`${F}throttled_records_total`, "ThrottledRecords: records refused by the delivery stream's quotas.", 'counter', (d) => d.counters[FH.THROTTLED_RECORDS]!),
  ...deliveryFamilies(`${F}delivery_to_s3`, 'DeliveryToS3', 's3', 'the S3 destination'),
  ...deliveryFamilies(`${F}delivery_to_http_endpoint`, 'DeliveryToHttpEndpoint', 'http', 'the HTTP endpoint'),
  perDelivery(`${F}execute_processing_invocations_total`, 'ExecuteProcessing.Success (denominator): Lambda transform invocations, each retry counted.', 'counter', (d) => d.counters[FH.EXECUTE_INVOCATIONS]!),
  perDelivery(`${F}execute_processing_success_total`, 'ExecuteProcessing.Success (numerator): invocations whose answer was taken.', 'counter', (d) => d.counters[FH.EXECUTE_SUCCESS]!),
  perDelivery(`${F}execute_processing_duration_seconds_total`, 'ExecuteProcessing.Duration: the time invocations took, summed (divide by invocations for the mean).', 'counter', (d) => d.counters[FH.EXECUTE_DURATION_MS]! / 1000),
  perDelivery(`${F}succeed_processing_records_total`, 'SucceedProcessing.Records: records the transform returned Ok (Dropped ones are not counted, as AWS counts them).', 'counter', (d) => d.counters[FH.SUCCEED_RECORDS]!),
  perDelivery(`${F}succeed_processing_bytes_total`, 'SucceedProcessing.Bytes: bytes of those records as they came in.', 'counter', (d) => d.counters[FH.SUCCEED_BYTES]!),
  perDelivery('riffle_firehose_buffered_bytes', 'Bytes buffered for the next object.', 'gauge', (d) => d.bufferedBytes),
  perDelivery('riffle_firehose_buffered_records', 'Records buffered for the next object.', 'gauge', (d) => d.bufferedRecords),
  perDelivery('riffle_firehose_active_partitions', "Dynamic partitioning's active partitions: buffered or being written (AWS's quota: 500).", 'gauge', (d) => d.activePartitions),
  perDelivery('riffle_firehose_buffer_size_bytes', "The buffer's size (BufferingHints.SizeInMBs).", 'gauge', (d) => d.bufferBytes),
  perDelivery('riffle_firehose_last_delivery_timestamp_seconds', 'When the last object was stored (Unix time; 0: none yet).', 'gauge', (d) => d.counters[FH.LAST_DELIVERY_MS]! / 1000),
  // The shard owners.
  perOwner('riffle_owner_up', '1 while the shard owner thread serves, 0 while it is replaced.', 'gauge', (o) => (o.up ? 1 : 0)),
  perOwner('riffle_owner_holding', '1 while the owner cannot write its logs (descriptors, space) and holds its acknowledgements.', 'gauge', (o) => (o.holding ? 1 : 0)),
  perOwner('riffle_owner_request_ring_bytes', "Bytes waiting in the owner's request ring.", 'gauge', (o) => o.requestRingBytes),
  perOwner('riffle_owner_request_ring_capacity_bytes', "The request ring's size.", 'gauge', (o) => o.requestRingCapacity),
  perOwner('riffle_owner_reply_ring_bytes', "Bytes waiting in the owner's reply ring.", 'gauge', (o) => o.replyRingBytes),
  perOwner('riffle_owner_reply_ring_capacity_bytes', "The reply ring's size.", 'gauge', (o) => o.replyRingCapacity),
  perOwner('riffle_owner_group_commits_total', 'Group commits that wrote records to durable logs (since the owner started).', 'counter', (o) => o.commits),
  {
    name: 'riffle_owner_fsync_seconds',
    help: 'Time of each group commit fdatasync (one per commit, every shard of the owner at once; since the owner started).',
    type: 'histogram',
    samples: (s) => s.owners.flatMap((o) => histogramSamples('riffle_owner_fsync_seconds', SYNC_BUCKETS_S, { buckets: o.syncBuckets, sum: o.syncSeconds }, { owner: String(o.index) })),
  },
];
