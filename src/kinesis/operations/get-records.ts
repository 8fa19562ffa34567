import { GET_RECORDS_MAX } from '../../limits.js';
import { defineOperation } from '../operation.js';
import { StreamARN, StreamId } from '../shapes.js';

interface Input {
  Limit?: number;
  ShardIterator: string;
  StreamARN?: string;
}

/** AWS: "The maximum number of records to return ... The default value is 10,000." */

export const getRecords = defineOperation<Input>({
  name: 'GetRecords',
  members: {
    StreamId,
    Limit: { type: 'Integer', min: 1, max: GET_RECORDS_MAX },
    ShardIterator: { type: 'String', required: true, min: 1, max: 512 },
    StreamARN,
  },
  async run(engine, input) {
    const result = await engine.reads.getRecords(input.ShardIterator, input.Limit ?? GET_RECORDS_MAX);
    return {
      Records: result.records.map((r) => ({
        SequenceNumber: r.sequenceNumber,
        ApproximateArrivalTimestamp: r.arrival,
        Data: r.data,
        // A record put without a key (AUTO distribution) has none, as AWS returns it.
        ...(r.partitionKey === '' ? {} : { PartitionKey: r.partitionKey }),
      })),
      ...(result.nextShardIterator === null ? {} : { NextShardIterator: result.nextShardIterator }),
      MillisBehindLatest: result.millisBehindLatest,
      ...(result.childShards === undefined ? {} : { ChildShards: result.childShards }),
    };
  },
});
