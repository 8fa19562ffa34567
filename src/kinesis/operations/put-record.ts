import { AwsError, internalFailure } from '../../aws/errors.js';
import { sequenceNumberOf } from '../../engine/write-path.js';
import type { Engine } from '../../engine/engine.js';
import { defineOperation } from '../operation.js';
import { encryptionOf } from '../describe-shape.js';
import { checkRecordSize } from '../record-size.js';
import { Data, ExplicitHashKey, namesAutoStream, OptionalPartitionKey, PartitionKey, refOf, SequenceNumber, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  Data: Buffer;
  ExplicitHashKey?: string;
  /** Absent only on a stream whose record distribution strategy is AUTO. */
  PartitionKey?: string;
  SequenceNumberForOrdering?: string;
}

const MEMBERS = { Data, ExplicitHashKey, PartitionKey, SequenceNumberForOrdering: SequenceNumber, ...streamRefMembers };
const AUTO_MEMBERS = { ...MEMBERS, PartitionKey: OptionalPartitionKey };

export const putRecord = defineOperation<Input>({
  name: 'PutRecord',
  members: MEMBERS,
  membersFor: (engine, input) => (namesAutoStream(engine, input) ? AUTO_MEMBERS : MEMBERS),
  async run(engine, input) {
    const partitionKey = input.PartitionKey ?? '';
    const named = engine.streams.readable(refOf(input));
    checkRecordSize(named, partitionKey, input.Data);
    const started = performance.now();
    try {
      return await put(engine, input, partitionKey);
    } finally {
      engine.ops.latency(named, 'PutRecord', (performance.now() - started) / 1000);
    }
  },
});

async function put(engine: Engine, input: Input, partitionKey: string) {
  const { stream, results } = await engine.writes.putRecords(
    refOf(input),
    [
      {
        partitionKey,
        data: input.Data,
        explicitHashKey: input.ExplicitHashKey,
        sequenceNumberForOrdering: input.SequenceNumberForOrdering,
      },
    ],
    'PutRecord',
  );
  const result = results[0];
  if (result === undefined) throw internalFailure();
  if (!result.ok) throw new AwsError(result.errorCode, result.errorMessage);
  engine.ops.putRecord(stream, input.Data.length);
  return { ShardId: result.shard.shardId, SequenceNumber: sequenceNumberOf(result), ...encryptionOf(stream) };
}
