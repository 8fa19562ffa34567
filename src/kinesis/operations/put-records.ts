import { PUT_RECORDS_MAX } from '../../limits.js';
import { ACK_ENTRY_BYTES, sequenceNumberOf, type PutResult } from '../../engine/write-path.js';
import type { Stream } from '../../engine/model.js';
import { encryptionOf } from '../describe-shape.js';
import { defineOperation } from '../operation.js';
import { packRecords, PackedRecords } from '../packed-records.js';
import { SPAN_WORDS } from '../../native/ingest.js';
import type { Engine } from '../../engine/engine.js';
import { checkBatchSize, checkSpanSizes } from '../record-size.js';
import { Data, ExplicitHashKey, namesAutoStream, OptionalPartitionKey, PartitionKey, refOf, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Entry {
  Data: Buffer;
  ExplicitHashKey?: string;
  /** Absent only on a stream whose record distribution strategy is AUTO. */
  PartitionKey?: string;
}

function recordsMember(partitionKey: typeof PartitionKey) {
  return {
    type: 'List',
    required: true,
    min: 1,
    max: PUT_RECORDS_MAX,
    memberStr: 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310',
    member: { type: 'Structure', members: { Data, ExplicitHashKey, PartitionKey: partitionKey } },
    fast: packRecords,
  } as const;
}

const MEMBERS = { Records: recordsMember(PartitionKey), ...streamRefMembers };
const AUTO_MEMBERS = { Records: recordsMember(OptionalPartitionKey), ...streamRefMembers };

interface Input extends StreamRefInput {
  /** PackedRecords when the fast path took the list (see packed-records.ts). */
  Records: Entry[] | PackedRecords;
}

export const putRecords = defineOperation<Input>({
  name: 'PutRecords',
  members: MEMBERS,
  membersFor: (engine, input) => (namesAutoStream(engine, input) ? AUTO_MEMBERS : MEMBERS),
  async run(engine, input) {
    const named = engine.streams.readable(refOf(input));
    const started = performance.now();
    try {
      return await put(engine, named, input);
    } finally {
      engine.ops.latency(named, 'PutRecords', (performance.now() - started) / 1000);
    }
  },
});

async function put(engine: Engine, named: Stream, input: Input) {
  let results: PutResult[];
  let stream: Stream;
  if (input.Records instanceof PackedRecords) {
    const { count, bytes, spans } = input.Records;
    checkSpanSizes(named, spans, count, true);
    const acks = Buffer.allocUnsafe(count * ACK_ENTRY_BYTES);
    stream = await engine.writes.putPacked(refOf(input), bytes, spans, count, acks, 0);
    results = engine.writes.packedResults(stream, acks, count);
  } else {
    checkBatchSize(named, input.Records);
    ({ stream, results } = await engine.writes.putRecords(
      refOf(input),
      input.Records.map((r) => ({ partitionKey: r.PartitionKey ?? '', data: r.Data, explicitHashKey: r.ExplicitHashKey })),
    ));
  }
  let failed = 0;
  let throttled = 0;
  let storedBytes = 0;
  const packed = input.Records instanceof PackedRecords ? input.Records.spans : null;
  const entries = input.Records instanceof PackedRecords ? null : input.Records;
  const records = results.map((r, i) => {
    if (r.ok) {
      storedBytes += packed !== null ? (packed[i * SPAN_WORDS + 3] as number) : entries![i]!.Data.length;
      return { SequenceNumber: sequenceNumberOf(r), ShardId: r.shard.shardId };
    }
    failed++;
    if (r.errorCode === 'ProvisionedThroughputExceededException') throttled++;
    return { ErrorCode: r.errorCode, ErrorMessage: r.errorMessage };
  });
  engine.ops.putRecords(stream, results.length - failed, storedBytes, throttled, failed);
  return { FailedRecordCount: failed, Records: records, ...encryptionOf(stream) };
}
