import { AwsError, internalFailure } from '../../aws/errors.js';
import { sequenceNumberOf } from '../../engine/write-path.js';
import { defineOperation } from '../operation.js';
import { encryptionOf } from '../describe-shape.js';
import { checkRecordSize } from '../record-size.js';
import { Data, ExplicitHashKey, PartitionKey, refOf, SequenceNumber, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  Data: Buffer;
  ExplicitHashKey?: string;
  PartitionKey: string;
  SequenceNumberForOrdering?: string;
}

export const putRecord = defineOperation<Input>({
  name: 'PutRecord',
  members: { Data, ExplicitHashKey, PartitionKey, SequenceNumberForOrdering: SequenceNumber, ...streamRefMembers },
  async run(engine, input) {
    checkRecordSize(engine.streams.readable(refOf(input)), input.PartitionKey, input.Data);
    const { stream, results } = await engine.writes.putRecords(
      refOf(input),
      [
        {
          partitionKey: input.PartitionKey,
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
    return { ShardId: result.shard.shardId, SequenceNumber: sequenceNumberOf(result), ...encryptionOf(stream) };
  },
});
