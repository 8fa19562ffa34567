import { defineOperation } from '../operation.js';
import { activeDirectPut } from '../put-target.js';
import { DeliveryStreamName, RecordList } from '../shapes.js';

interface Input {
  DeliveryStreamName: string;
  Records: Array<{ Data: Buffer }>;
}

export const putRecordBatch = defineOperation<Input>({
  name: 'PutRecordBatch',
  members: { DeliveryStreamName: { ...DeliveryStreamName, required: true }, Records: RecordList },
  async run(firehose, input) {
    const d = activeDirectPut(firehose, input.DeliveryStreamName);
    const results = await firehose.ingest.put(d, input.Records.map((r) => r.Data), false);
    let failed = 0;
    for (const r of results) if (!('RecordId' in r)) failed++;
    return { FailedPutCount: failed, Encrypted: false, RequestResponses: results };
  },
});
