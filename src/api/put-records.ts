import { sequenceNumberOf } from '../engine/records.js';
import { defineOperation } from './operation.js';
import { checkBatchSize } from './record-size.js';
import { Data, ExplicitHashKey, PartitionKey, refOf, streamRefMembers, type StreamRefInput } from './shapes.js';

interface Entry {
  Data: Buffer;
  ExplicitHashKey?: string;
  PartitionKey: string;
}

interface Input extends StreamRefInput {
  Records: Entry[];
}

export const putRecords = defineOperation<Input>({
  name: 'PutRecords',
  members: {
    Records: {
      type: 'List',
      required: true,
      min: 1,
      max: 500,
      memberStr: 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310',
      member: { type: 'Structure', members: { Data, ExplicitHashKey, PartitionKey } },
    },
    ...streamRefMembers,
  },
  async run(engine, input) {
    checkBatchSize(input.Records);
    const { results } = await engine.records.putRecords(
      refOf(input),
      input.Records.map((r) => ({ partitionKey: r.PartitionKey, data: r.Data, explicitHashKey: r.ExplicitHashKey })),
    );
    let failed = 0;
    const records = results.map((r) => {
      if (r.ok) return { SequenceNumber: sequenceNumberOf(r), ShardId: r.shard.shardId };
      failed++;
      return { ErrorCode: r.errorCode, ErrorMessage: r.errorMessage };
    });
    return { FailedRecordCount: failed, Records: records };
  },
});
