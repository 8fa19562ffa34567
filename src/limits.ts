/**
 * Every fixed limit, defined once: AWS's documented Kinesis Data Streams quotas, and the sizes of
 * Riffle's own frames that follow from them. Limits a user can change are options (config.ts);
 * limits that depend on each other are checked once at start (shard/pool/ring-limits.ts).
 * A shared leaf: anything may import it, it imports nothing.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

// ---- records and batches (Kinesis Data Streams quotas and the API reference) ------------------

/**
 * A stream's default maximum record size: "The default maximum record size for existing, and newly
 * created streams is set to 1 MiB"; data plus partition key. Per stream: UpdateMaxRecordSize.
 */
export const RECORD_BYTES_MAX = 1 * MiB;
/** The largest any stream takes (UpdateMaxRecordSize's 10240 KiB; the model's Data max): every frame, ring and log limit follows it. */
export const RECORD_BYTES_LIMIT = 10 * MiB;
/** Partition keys: "Unicode strings with a maximum length limit of 256 characters". */
export const PARTITION_KEY_CHARS_MAX = 256;
/** "Each PutRecords request can support up to 500 records". */
export const PUT_RECORDS_MAX = 500;
/** "... up to a limit of 5 MiB for the entire request, including partition keys." */
export const PUT_RECORDS_BYTES_MAX = 5 * MiB;
/**
 * The same on a stream that takes records over 1 MiB: "Each record in the request can be as large
 * as 10 MiB, up to a limit of 10 MiB for the entire request" (the current API reference; Riffle
 * keeps 5 MiB for streams at the default record size, where the older wording still describes AWS).
 */
export const PUT_RECORDS_LARGE_BYTES_MAX = 10 * MiB;
/** GetRecords: "can retrieve up to 10 MiB of data per call"... */
export const GET_RECORDS_BYTES_MAX = 10 * MiB;
/** ...and "up to 10,000 records per call" (also its Limit's maximum and default). */
export const GET_RECORDS_MAX = 10_000;
/** "The iterator expires five minutes after it is returned to the requester." */
export const ITERATOR_TTL_MS = 300_000;

// ---- streams (Kinesis Data Streams quotas) -----------------------------------------------------

export const DEFAULT_RETENTION_HOURS = 24;
export const MIN_RETENTION_HOURS = 24;
/** 365 days. */
export const MAX_RETENTION_HOURS = 8760;
/** "A maximum of 50 tags per stream" (AddTagsToStream takes at most 10 per call). */
export const MAX_TAGS_PER_STREAM = 50;
/** An on-demand stream starts with 4 shards (write capacity 4 MiB/s, 4,000 records/s). */
export const ON_DEMAND_INITIAL_SHARDS = 4;
/** On-demand streams per account (DescribeLimits OnDemandStreamCountLimit). */
export const ON_DEMAND_STREAM_LIMIT = 50;
/** At most five streams in the CREATING state at once per account. */
export const MAX_CREATING_STREAMS = 5;
/** "You can have up to 5 consumers in the CREATING and DELETING states at the same time." */
export const MAX_CHANGING_CONSUMERS = 5;

// ---- Firehose (the API reference and the Firehose quotas page) --------------------------------

/** Record.Data: "The data blob ... can be up to 1,000 KiB in size" (model: Data max 1024000). */
export const FIREHOSE_RECORD_BYTES_MAX = 1000 * KiB;
/** PutRecordBatch: "can support up to 500 records per call" ... */
export const FIREHOSE_BATCH_RECORDS_MAX = 500;
/** ... "or 4 MiB per call, whichever is smaller. This limit cannot be changed." */
export const FIREHOSE_BATCH_BYTES_MAX = 4 * MiB;
/** Delivery streams per account and region ("You can create up to 5,000 Firehose streams per AWS Region"). */
export const FIREHOSE_DELIVERY_STREAMS_MAX = 5000;
/** Tags per delivery stream ("You can add up to 50 tags"). */
export const FIREHOSE_TAGS_MAX = 50;
/** S3 delivery retries: "Firehose retries every 5 seconds for up to a maximum period of 24 hours" (DirectPut). */
export const FIREHOSE_S3_RETRY_MS = 5000;
export const FIREHOSE_DIRECT_PUT_RETRY_HOURS = 24;

// ---- Riffle's own frames ---------------------------------------------------------------------

/** Records in one binary WebSocket ingest frame (docs/ws-protocol.md), one putPacked batch. */
export const INGEST_RECORDS_MAX = 10_000;
/**
 * One binary WebSocket ingest frame, and its records once inflated: a record of RECORD_BYTES_LIMIT
 * and its framing fit (12 MiB - 64 KiB). The margin keeps the shard-owner message built from it
 * under half the request ring (checked at start).
 */
export const INGEST_FRAME_BYTES_MAX = 12 * MiB - 64 * KiB;
/** Records in one enhanced fan-out read at most (the byte limit usually binds first). */
export const PUSH_READ_RECORDS_MAX = GET_RECORDS_MAX;
