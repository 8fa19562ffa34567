import { AwsError } from '../aws/errors.js';
import type { Engine } from '../engine/engine.js';
import { descendsFrom } from '../engine/lineage.js';
import type { Stream } from '../engine/model.js';
import { FIREHOSE_DIRECT_PUT_RETRY_HOURS } from '../limits.js';
import type { DeliveryStream } from './model.js';
import { KinesisSource } from './sources/kinesis-source.js';
import type { FirehoseStore } from './store.js';

/** A delivery stream's Kinesis source stream, as the engine holds it (by the ARN in its configuration). */
export class SourceStreams {
  constructor(
    private readonly engine: Engine,
    private readonly store: FirehoseStore,
    private readonly log: (line: string) => void,
  ) {}

  private find(arn: string): Stream | undefined {
    try {
      return this.engine.streams.get({ arn });
    } catch {
      return undefined;
    }
  }

  exists(arn: string): boolean {
    return this.find(arn) !== undefined;
  }

  /** For CreateDeliveryStream: the source stream exists and is ACTIVE (or UPDATING); InvalidArgumentException otherwise (wording not confirmed). */
  check(arn: string): void {
    const stream = this.find(arn);
    if (stream === undefined) throw new AwsError('InvalidArgumentException', `Kinesis stream ${arn} does not exist or is not accessible.`);
    if (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING') {
      throw new AwsError('InvalidArgumentException', `Kinesis stream ${arn} is not ACTIVE, instead in state ${stream.status}.`);
    }
  }

  /**
   * How long a failing sink is retried: "up to 24 hours" for DirectPut; for a Kinesis source "as
   * long as the data is retained in the stream" (retry.html).
   */
  retryHours(d: DeliveryStream): number {
    if (d.source === undefined) return FIREHOSE_DIRECT_PUT_RETRY_HOURS;
    return this.find(d.source.kinesisStreamArn)?.retentionHours ?? FIREHOSE_DIRECT_PUT_RETRY_HOURS;
  }

  /**
   * A Kinesis stream source, read from the checkpoint's positions; a shard without one (the
   * delivery stream is new) starts at LATEST, as Firehose "starts reading data from the LATEST
   * position".
   */
  async open(d: DeliveryStream, stored: Record<string, number> | undefined): Promise<KinesisSource> {
    const arn = (d.source as NonNullable<DeliveryStream['source']>).kinesisStreamArn;
    const stream = this.engine.streams.get({ arn });
    const positions = new Map<string, number>(Object.entries(stored ?? {}));
    let started = false;
    for (const shard of stream.shards) {
      const at0 = positions.get(shard.shardId);
      // A shard with no position is reached through lineage if an ancestor has one; a closed one
      // with none is not read (it closed before this delivery stream began).
      if (at0 === undefined && (shard.closedMs !== undefined || descendsFrom(stream, shard, (id) => positions.has(id)))) continue;
      const latest = await this.engine.reads.resolvePosition(stream, shard, 'LATEST', undefined, undefined, 'CreateDeliveryStream');
      const at = positions.get(shard.shardId);
      // With --fsync never a power loss can take a shard's tail but not the (synced) checkpoint:
      // new records would then get counters below it. Read from what the shard has.
      if (at !== undefined && at <= latest) continue;
      if (at !== undefined) this.log(`riffle: firehose ${d.name}: ${stream.name} ${shard.shardId} ends at counter ${latest}, before its checkpoint ${at}; delivering from ${latest}`);
      positions.set(shard.shardId, latest);
      started = true;
    }
    // Recorded at once: after a restart, delivery goes on from here, not from a later LATEST.
    if (started) this.store.saveCheckpoint(d.name, d.createdMs, { nextSeq: 0, shards: Object.fromEntries(positions) });
    return new KinesisSource(this.engine, stream, positions);
  }
}
