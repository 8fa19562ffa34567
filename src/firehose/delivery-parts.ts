import { AwsError } from '../aws/errors.js';
import { CompressPool } from './codecs/compress-pool.js';
import type { CompressionFormat } from './codecs/formats.js';
import type { DeliverySettings, DeliveryWriter, TransformParts } from './delivery/delivery.js';
import { ObjectWriter, type Clock } from './delivery/object-writer.js';
import { HttpDeliveryWriter } from './http/http-delivery.js';
import type { FirehoseMetrics } from './metrics.js';
import type { DeliveryStream, S3DestinationDescription } from './model.js';
import { metadataQueryOf } from './transform/processor.js';
import type { ObjectSink } from './sinks/sink.js';
import { JqPool } from './partition/jq-pool.js';
import { HandlerPool } from './transform/handler-pool.js';
import type { Invoker } from './transform/transform-stage.js';

/** A stage with a query alone never invokes a function. */
const NO_HANDLERS: Invoker = { invoke: () => Promise.reject(new Error('no Lambda processor')) };

/**
 * What the deliveries share: the compression pool, the transform handlers' pool (each started
 * when the first delivery needs it: most runs need neither), and the writers each delivery gets
 * (objects into the sink, or requests to an HTTP endpoint with an S3 backup).
 */
export class DeliveryParts {
  private compressPool: CompressPool | null = null;
  private handlerPool: HandlerPool | null = null;
  private jqPool: JqPool | null = null;
  private closed = false;

  /** Compression in the pool, which starts with the first compressed object. */
  private readonly compressor = {
    compress: (format: CompressionFormat, data: Uint8Array): Promise<Uint8Array> => {
      if (format === 'UNCOMPRESSED') return Promise.resolve(data);
      this.compressPool ??= CompressPool.create({ threads: this.threads.compress });
      return this.compressPool.compress(format, data);
    },
    whenFree: (): Promise<void> => this.compressPool?.whenFree() ?? Promise.resolve(),
  };

  constructor(
    private readonly sink: ObjectSink,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
    private readonly metrics: FirehoseMetrics,
    private readonly threads: { compress: number; transform: number },
  ) {}

  /** `d`'s writer: an HTTP endpoint's attempts are its delivery's; its S3 backup's puts are not counted as such. */
  writer(d: DeliveryStream): DeliveryWriter {
    const objects = (counted: boolean): ObjectWriter =>
      new ObjectWriter(this.compressor, this.sink, this.clock, this.log, counted ? (stored) => this.metrics.attempted(d, stored) : undefined);
    return d.http === undefined ? objects(true) : new HttpDeliveryWriter(objects(false), this.clock, this.log, (ok) => this.metrics.attempted(d, ok));
  }

  /** What `d`'s delivery needs for its Lambda processor (undefined: it has none). */
  transform(d: DeliveryStream, settings: DeliverySettings): TransformParts | undefined {
    if (settings.transform === undefined) return undefined;
    if (this.closed) throw new Error('the Firehose service is closed');
    return {
      pool: settings.transform.lambda === undefined ? NO_HANDLERS : this.handlers(),
      jq: settings.transform.query === undefined ? null : this.jq(),
      errors: new ObjectWriter(this.compressor, this.sink, this.clock, this.log),
      keyProblem: (bucket, key) => this.sink.problem(bucket, key),
      // Two units per pool thread at the pool (one running, one waiting to go when it is done) while the buffer fills with the next.
      maxUnits: 2 * this.threads.transform,
      invoked: (ms, ok) => this.metrics.executed(d, ms, ok),
      succeeded: (records, bytes) => this.metrics.succeededProcessing(d, records, bytes),
    };
  }

  /**
   * Checks that a partitioned destination's MetadataExtractionQuery compiles as jq 1.6
   * (InvalidArgumentException with jq's words otherwise): CreateDeliveryStream and
   * UpdateDestination run it before they change anything.
   */
  async checkQuery(d: S3DestinationDescription): Promise<void> {
    if (d.DynamicPartitioningConfiguration?.Enabled !== true) return;
    const query = metadataQueryOf(d.ProcessingConfiguration);
    if (query === undefined) return;
    const problem = await this.jq().check(query);
    if (problem !== null) throw new AwsError('InvalidArgumentException', `MetadataExtractionQuery ${JSON.stringify(query)} is not a jq 1.6 program: ${problem}.`);
  }

  private handlers(): HandlerPool {
    this.handlerPool ??= HandlerPool.create({ threads: this.threads.transform });
    return this.handlerPool;
  }

  /** The jq pool (MetadataExtraction queries), started with the first partitioned delivery stream or query checked. */
  jq(): JqPool {
    if (this.closed) throw new Error('the Firehose service is closed');
    this.jqPool ??= JqPool.create(this.threads.transform);
    return this.jqPool;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.compressPool?.close();
    await this.handlerPool?.close();
    await this.jqPool?.close();
  }
}
