/**
 * Riffle's internal entry (`riffle/internal`): the parts that integration tests and benchmarks
 * drive directly, beside the public API (`riffle`, index.ts). Not a stable API: it follows the
 * code. Importing from here instead of from files under dist/ lets files move without breaking
 * every test that uses them.
 */
export { Engine } from './engine/engine.js';
export type { Consumer, Shard, Stream } from './engine/model.js';
export { hashKeyBytes, splitHashKeySpace } from './engine/hash-key.js';
export { IteratorCodec } from './engine/iterator-token.js';
export { FanoutHub } from './fanout/hub.js';
export { PushBatch, RECORDS_HEADER_BYTES } from './fanout/push-batch.js';
export { FEED_BYTES_MAX, READ_BYTES_MAX } from './fanout/shard-feed.js';
export type { PushSink, Subscription } from './fanout/subscription.js';
export { validateInput } from './aws/validate.js';
export { putRecords } from './kinesis/operations/put-records.js';
export { PackedRecords } from './kinesis/packed-records.js';
export { ingestRoute } from './kinesis/ws/ingest-route.js';
export { pushRoute } from './kinesis/ws/push-route.js';
export { ShardState } from './shard/owner/shard-state.js';
export { ByteRing } from './ring/byte-ring.js';
export { findRangeBytes, implementations } from './native/index.js';
export { SPAN_WORDS } from './native/ingest.js';
export { HttpTransport } from './client/http-transport.js';
export { WsTransport } from './client/ws-transport.js';
export { presignUrl, PRESIGN_EXPIRES_S, signHeaders } from './client/sigv4-signer.js';
export * as limits from './limits.js';
export { encodeShardControl, MSG } from './shard/messages.js';
export type { OwnerPool } from './shard/pool/owner-pool.js';
export { CompressPool, CompressPoolFullError } from './firehose/codecs/compress-pool.js';
export { compress as compressFirehose, COMPRESSION_FORMATS, extensionOf } from './firehose/codecs/formats.js';
export { DirSink, readObjectMeta, isReservedName, TEMP_PREFIX } from './firehose/sinks/dir-sink.js';
export { SinkInputError } from './firehose/sinks/sink.js';
export { S3Sink } from './firehose/sinks/s3-sink.js';
export { deaggregate } from './firehose/sources/kpl.js';
export { keyPicker, prng } from './cli/key-dist.js';
export { HandlerPool } from './firehose/transform/handler-pool.js';
export { JqPool } from './firehose/partition/jq-pool.js';
export { Partitions } from './firehose/partition/partitions.js';
export { TransformStage } from './firehose/transform/transform-stage.js';
export { compilePrefixes } from './firehose/keys/prefix.js';
export { judgeAnswer, lambdaEvent, processingFailedRecord } from './firehose/transform/contract.js';
