/**
 * The contract between Firehose and a Lambda transform (FIREHOSE-FACTS 1.11; AWS's "Transform
 * source data in Amazon Data Firehose" and its status model): the event Firehose invokes the
 * function with, and what it takes as its answer. Pure functions: transform/handler-pool.ts runs
 * the handler, delivery uses the outcome.
 */

export const RESULTS = ['Ok', 'Dropped', 'ProcessingFailed'] as const;
export type TransformResult = (typeof RESULTS)[number];

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

/** A record as the transform answered it. */
export interface RecordOut {
  recordId: string;
  result: TransformResult;
  /** Ok: the transformed data (what is delivered). Dropped: none. ProcessingFailed: none needed. */
  data?: Buffer;
  /** metadata.partitionKeys (dynamic partitioning's partitionKeyFromLambda). */
  partitionKeys?: Record<string, string>;
}

/** The answer judged: every record's outcome, or why the whole invocation failed (it is retried, then its records fail). */
export type Judged = { ok: true; records: RecordOut[] } | { ok: false; reason: string };

/**
 * The answer `{records: [{recordId, result, data, metadata?: {partitionKeys}}]}` as Firehose
 * checks it: one answer per record sent, each recordId one it was given (AWS: "a mismatch counts
 * as a transformation failure"), `result` one of Ok | Dropped | ProcessingFailed, base64 `data`
 * for Ok. A malformed answer fails the invocation.
 */
export function judgeAnswer(sent: readonly RecordIn[], answer: unknown): Judged {
  if (answer === null || typeof answer !== 'object' || !Array.isArray((answer as { records?: unknown }).records)) {
    return { ok: false, reason: 'The Lambda function returned no records array.' };
  }
  const wanted = new Set(sent.map((r) => r.recordId));
  const seen = new Set<string>();
  const out: RecordOut[] = [];
  for (const item of (answer as { records: unknown[] }).records) {
    if (item === null || typeof item !== 'object') return { ok: false, reason: 'The Lambda function returned a record that is not an object.' };
    const r = item as Record<string, unknown>;
    const recordId = r.recordId;
    if (typeof recordId !== 'string' || !wanted.has(recordId)) return { ok: false, reason: `The Lambda function returned a recordId that was not sent: ${JSON.stringify(recordId ?? null)}.` };
    if (seen.has(recordId)) return { ok: false, reason: `The Lambda function returned recordId ${recordId} twice.` };
    seen.add(recordId);
    if (typeof r.result !== 'string' || !(RESULTS as readonly string[]).includes(r.result)) {
      return { ok: false, reason: `The Lambda function returned result ${JSON.stringify(r.result ?? null)} for recordId ${recordId}; it must be Ok, Dropped or ProcessingFailed.` };
    }
    const record: RecordOut = { recordId, result: r.result as TransformResult };
    if (r.result === 'Ok') {
      if (typeof r.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.data) || r.data.length % 4 !== 0) {
        return { ok: false, reason: `The Lambda function returned no base64 data for Ok recordId ${recordId}.` };
      }
      record.data = Buffer.from(r.data, 'base64');
    }
    const keys = (r.metadata as { partitionKeys?: unknown } | undefined)?.partitionKeys;
    if (keys !== undefined) {
      if (keys === null || typeof keys !== 'object' || Object.values(keys).some((v) => typeof v !== 'string')) {
        return { ok: false, reason: `The Lambda function returned metadata.partitionKeys for recordId ${recordId} that are not a map of strings.` };
      }
      record.partitionKeys = keys as Record<string, string>;
    }
    out.push(record);
  }
  if (seen.size !== wanted.size) {
    const missing = [...wanted].filter((id) => !seen.has(id));
    return { ok: false, reason: `The Lambda function returned ${seen.size} of the ${wanted.size} records it was sent (missing: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}).` };
  }
  return { ok: true, records: out };
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
