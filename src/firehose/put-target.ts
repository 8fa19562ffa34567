import { AwsError } from '../aws/errors.js';
import type { Firehose } from './firehose.js';
import { DELIVERY_STREAM_TYPE, type DeliveryStream } from './model.js';

/**
 * The delivery stream PutRecord and PutRecordBatch write to: ACTIVE, and fed by them (DirectPut).
 * "When you configure a Kinesis data stream as the source ... the Firehose PutRecord and
 * PutRecordBatch operations are disabled": AWS answers InvalidArgumentException (wording not confirmed).
 */
export function activeDirectPut(firehose: Firehose, name: string): DeliveryStream {
  const d = firehose.streams.active(name);
  if (d.type !== DELIVERY_STREAM_TYPE.DIRECT_PUT) {
    throw new AwsError('InvalidArgumentException', `This operation is not permitted on KinesisStreamAsSource delivery stream type.`);
  }
  return d;
}
