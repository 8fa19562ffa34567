import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { BatchError, RETRYABLE_CODES, type OutRecord, type RecordOutcome, type Transport } from '../client/transport.js';

/** PutRecords through the AWS SDK v3 client (`riffle load --transport sdk`): what applications use. */
export class SdkTransport implements Transport {
  constructor(private readonly kinesis: KinesisClient) {}

  async send(streamName: string, records: readonly OutRecord[]): Promise<RecordOutcome[]> {
    let out;
    try {
      out = await this.kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })) }));
    } catch (err) {
      const code = (err as Error).name;
      throw new BatchError(code, (err as Error).message, RETRYABLE_CODES.has(code));
    }
    return (out.Records ?? []).map((r) =>
      r.SequenceNumber !== undefined ? { ok: true, shardId: r.ShardId ?? '', sequenceNumber: r.SequenceNumber } : { ok: false, errorCode: r.ErrorCode ?? 'InternalFailure', errorMessage: r.ErrorMessage ?? '' },
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
