import { AwsError } from '../../aws/errors.js';
import { defineOperation } from '../operation.js';
import { activeDirectPut } from '../put-target.js';
import { DeliveryStreamName, FirehoseRecord } from '../shapes.js';

interface Input {
  DeliveryStreamName: string;
  Record: { Data: Buffer };
}

export const putRecord = defineOperation<Input>({
  name: 'PutRecord',
  members: { DeliveryStreamName: { ...DeliveryStreamName, required: true }, Record: FirehoseRecord },
  async run(firehose, input) {
    const d = activeDirectPut(firehose, input.DeliveryStreamName);
    const [result] = await firehose.ingest.put(d, [input.Record.Data], true);
    if (result === undefined || !('RecordId' in result)) throw new AwsError(result?.ErrorCode ?? 'InternalFailure', result?.ErrorMessage);
    return { RecordId: result.RecordId, Encrypted: false };
  },
});
