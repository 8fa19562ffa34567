import { OperationTable } from '../aws/operation.js';
import type { Firehose } from './firehose.js';
import type { FirehoseOperation } from './operation.js';
import { createDeliveryStream } from './operations/create-delivery-stream.js';
import { deleteDeliveryStream } from './operations/delete-delivery-stream.js';
import { describeDeliveryStream } from './operations/describe-delivery-stream.js';
import { listDeliveryStreams } from './operations/list-delivery-streams.js';
import { listTagsForDeliveryStream } from './operations/list-tags-for-delivery-stream.js';
import { putRecordBatch } from './operations/put-record-batch.js';
import { putRecord } from './operations/put-record.js';
import { tagDeliveryStream } from './operations/tag-delivery-stream.js';
import { untagDeliveryStream } from './operations/untag-delivery-stream.js';
import { updateDestination } from './operations/update-destination.js';

// Each operation's own input type is checked inside its file; the table only needs the name.
type AnyOperation = FirehoseOperation<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every Amazon Data Firehose operation Riffle serves, one file each in operations/. */
export const FIREHOSE_OPERATIONS: readonly AnyOperation[] = [
  createDeliveryStream,
  deleteDeliveryStream,
  describeDeliveryStream,
  listDeliveryStreams,
  listTagsForDeliveryStream,
  putRecord,
  putRecordBatch,
  tagDeliveryStream,
  untagDeliveryStream,
  updateDestination,
];

/** AWS JSON 1.1 target prefix: `X-Amz-Target: Firehose_20150804.PutRecordBatch`. */
export const FIREHOSE_TARGET_PREFIX = 'Firehose_20150804';

/** The Firehose operations as one service the transports dispatch to (aws/http.ts AwsService). */
export class FirehoseService extends OperationTable<Firehose> {
  constructor(firehose: Firehose) {
    super(FIREHOSE_TARGET_PREFIX, FIREHOSE_OPERATIONS, firehose);
  }
}
