import { decodeBase64 } from '../../aws/validate.js';

/**
 * The contract between Firehose and a Lambda transform (FIREHOSE-FACTS 1.11; AWS's "Transform
 * source data in Amazon Data Firehose" and its status model): the event Firehose invokes the
 * function with, and what it takes as its answer. Pure functions: transform/handler-pool.ts runs
 * the handler, delivery uses the outcome.
 */

/** One record going in: its id (unique in the invocation), when it arrived, its data. */
export interface RecordIn {
  recordId: string;
  arrivalMs: number;
  data: Uint8Array;
  /** A Kinesis stream source: what Firehose adds from the stream record. */
  kinesis?: { shardId: string; partitionKey: string; arrivalMs: number; sequenceNumber: string; subsequenceNumber?: string };
}

export interface InvocationIn {
  invocationId: string;
  deliveryStreamArn: string;
  region: string;
  /** A Kinesis stream source only. */
  sourceKinesisStreamArn?: string;
  records: readonly RecordIn[];
}

/** The event, exactly as Firehose sends it: timestamps in ms, data base64, Kinesis metadata for a Kinesis source. */
export function lambdaEvent(inv: InvocationIn): Record<string, unknown> {
  return {
    invocationId: inv.invocationId,
    deliveryStreamArn: inv.deliveryStreamArn,
    region: inv.region,
    ...(inv.sourceKinesisStreamArn === undefined ? {} : { sourceKinesisStreamArn: inv.sourceKinesisStreamArn }),
    records: inv.records.map((r) => ({
      recordId: r.recordId,
      approximateArrivalTimestamp: r.arrivalMs,
      data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
      ...(r.kinesis === undefined
        ? {}
        : {
            kinesisRecordMetadata: {
              shardId: r.kinesis.shardId,
              partitionKey: r.kinesis.partitionKey,
              approximateArrivalTimestamp: r.kinesis.arrivalMs,
              sequenceNumber: r.kinesis.sequenceNumber,
              subsequenceNumber: r.kinesis.subsequenceNumber ?? '',
            },
          }),
    })),
  };
}

/** What became of one record sent: its new data, dropped, or failed (with AWS's error code and message for its error record). */
export type Outcome =
  | { result: 'Ok'; data: Buffer; partitionKeys?: Record<string, string> }
  | { result: 'Dropped'; partitionKeys?: Record<string, string> }
  | { result: 'Failed'; errorCode: string; errorMessage: string };

/** AWS's error codes and messages for what a transform's answer can get wrong (the error records carry them). */
export const TRANSFORM_ERRORS = {
  JSON: { errorCode: 'Lambda.JsonProcessingException', errorMessage: 'There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Amazon Data Firehose.' },
  FUNCTION: { errorCode: 'Lambda.FunctionError', errorMessage: 'The Lambda function was successfully invoked but it returned an error result.' },
  MISSING: { errorCode: 'Lambda.MissingRecordId', errorMessage: 'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.' },
  DUPLICATED: { errorCode: 'Lambda.DuplicatedRecordId', errorMessage: 'Multiple records were returned with the same record Id. Ensure that the Lambda function returns a unique record Id for each record.' },
  FAILED_STATUS: { errorCode: 'Lambda.ProcessingFailedStatus', errorMessage: 'ProcessingFailed status set for record' },
} as const;

/**
 * The answer judged: every record's outcome in the order sent, or (ok: false) why the whole
 * answer is refused, with `detail` for the server log. An answer is final either way: only an
 * invocation that gives none (a throw, a timeout) is tried again.
 */
export type Judged = { ok: true; outcomes: Outcome[] } | { ok: false; errorCode: string; errorMessage: string; detail: string };

const refused = (kind: { errorCode: string; errorMessage: string }, detail: string): Judged => ({ ok: false, ...kind, detail });
/**
 * The answer `{records: [{recordId, result, data, metadata?: {partitionKeys}}]}` as Firehose
 * takes it (its status model, and what was observed of it):
 * - no records array, an entry that is not an object with a string recordId, a result other than
 *   Ok | Dropped | ProcessingFailed, or partitionKeys that are not a map of strings: the whole
 *   answer is refused (Lambda.JsonProcessingException);
 * - Ok without base64 data: refused too (Lambda.FunctionError);
 * - a record not answered fails alone (Lambda.MissingRecordId), as does one answered twice
 *   (Lambda.DuplicatedRecordId) and one answered ProcessingFailed (Lambda.ProcessingFailedStatus);
 * - an answer for a recordId that was not sent is ignored.
 */
export function judgeAnswer(sent: readonly RecordIn[], answer: unknown): Judged {
  if (answer === null || typeof answer !== 'object' || !Array.isArray((answer as { records?: unknown }).records)) {
    return refused(TRANSFORM_ERRORS.JSON, 'the answer has no records array');
  }
  const index = new Map<string, number>();
  sent.forEach((r, i) => index.set(r.recordId, i));
  const outcomes: Array<Outcome | undefined> = new Array(sent.length);
  const twice = new Set<number>();
  for (const item of (answer as { records: unknown[] }).records) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return refused(TRANSFORM_ERRORS.JSON, 'a record in the answer is not an object');
    const r = item as Record<string, unknown>;
    if (typeof r.recordId !== 'string') return refused(TRANSFORM_ERRORS.JSON, `a record in the answer has recordId ${JSON.stringify(r.recordId ?? null)}, not a string`);
    if (r.result !== 'Ok' && r.result !== 'Dropped' && r.result !== 'ProcessingFailed') {
      return refused(TRANSFORM_ERRORS.JSON, `recordId ${r.recordId} has result ${JSON.stringify(r.result ?? null)}; it must be Ok, Dropped or ProcessingFailed`);
    }
    const keys = (r.metadata as { partitionKeys?: unknown } | undefined)?.partitionKeys;
    if (keys !== undefined && (keys === null || typeof keys !== 'object' || Array.isArray(keys) || Object.values(keys).some((v) => typeof v !== 'string'))) {
      return refused(TRANSFORM_ERRORS.JSON, `recordId ${r.recordId} has metadata.partitionKeys that are not a map of strings`);
    }
    let outcome: Outcome;
    if (r.result === 'Ok') {
      const data = typeof r.data === 'string' ? decodeBase64(r.data) : null;
      if (data === null) return refused(TRANSFORM_ERRORS.FUNCTION, `recordId ${r.recordId} is Ok without base64 data`);
      outcome = { result: 'Ok', data };
    } else outcome = r.result === 'Dropped' ? { result: 'Dropped' } : { result: 'Failed', ...TRANSFORM_ERRORS.FAILED_STATUS };
    if (keys !== undefined && outcome.result !== 'Failed') outcome.partitionKeys = keys as Record<string, string>;
    const at = index.get(r.recordId);
    if (at === undefined) continue; // not one it was sent: ignored
    if (outcomes[at] !== undefined) twice.add(at);
    outcomes[at] = outcome;
  }
  for (const at of twice) outcomes[at] = { result: 'Failed', ...TRANSFORM_ERRORS.DUPLICATED };
  return { ok: true, outcomes: Array.from(outcomes, (o) => o ?? { result: 'Failed', ...TRANSFORM_ERRORS.MISSING }) };
}

/**
 * A processing-failed error record, as AWS writes it to the error output (attemptsMade,
 * arrivalTimestamp, errorCode, errorMessage, attemptEndingTimestamp, rawData, lambdaArn).
 */
export function processingFailedRecord(r: RecordIn, attempts: number, errorCode: string, errorMessage: string, endedMs: number, lambdaArn: string): string {
  return JSON.stringify({
    attemptsMade: attempts,
    arrivalTimestamp: r.arrivalMs,
    errorCode,
    errorMessage,
    attemptEndingTimestamp: endedMs,
    rawData: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
    lambdaArn,
  });
}
