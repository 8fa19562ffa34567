/** How the producer sends one batch: over the AWS API (PutRecords) or the binary WebSocket route. */
export interface OutRecord {
  partitionKey: string;
  data: Uint8Array;
}

/** Per record: stored (with its shard and sequence number) or refused with an AWS error code. */
export type RecordOutcome = { ok: true; shardId: string; sequenceNumber: string } | { ok: false; errorCode: string; errorMessage: string };

/** A whole batch refused (unknown stream, bad request, connection lost): an AWS-typed error. */
export class BatchError extends Error {
  constructor(
    readonly code: string,
    /** The service's message, without the code. */
    readonly detail: string,
    /** Whether sending the same batch again may succeed. */
    readonly retryable: boolean,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'BatchError';
  }
}

/** How long a batch may wait for its reply before it counts as failed in transit (retryable). */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface Transport {
  send(streamName: string, records: readonly OutRecord[]): Promise<RecordOutcome[]>;
  close(): Promise<void>;
}

/** AWS error codes worth retrying (as the AWS SDKs classify them). */
export const RETRYABLE_CODES = new Set(['ProvisionedThroughputExceededException', 'InternalFailure', 'ServiceUnavailable', 'LimitExceededException', 'ThrottlingException']);
