import { AwsError } from '../aws/errors.js';
import type { Engine } from '../engine/engine.js';
import { FIREHOSE_DELIVERY_STREAMS_MAX, FIREHOSE_DIRECT_PUT_RETRY_HOURS, FIREHOSE_S3_RETRY_MS, FIREHOSE_TAGS_MAX } from '../limits.js';
import type { Positions } from './delivery/batch.js';
import { DeliveryParts } from './delivery-parts.js';
import { Delivery, type DeliverySettings, type DeliverySource } from './delivery/delivery.js';
import { bucketOf, describeNew, describeUpdate, type S3ConfigInput } from './destination.js';
import { Ingest } from './ingest.js';
import { describeHttpNew, describeHttpUpdate, type HttpConfigInput, type HttpUpdateInput } from './http/destination.js';
import { FirehoseMetrics } from './metrics.js';
import { observeDeliveries, type DeliveryStreamView } from './observe-view.js';
import { DELIVERY_STREAM_STATUS, DELIVERY_STREAM_TYPE, DESTINATION_ID, type DeliveryStream, type DeliveryStreamType, type KinesisSource as KinesisSourceConfig } from './model.js';
import { DeliveryStreamRegistry } from './registry.js';
import { checkDestination, deliverySettings } from './settings.js';
import type { ObjectSink } from './sinks/sink.js';
import { SourceStreams } from './source-streams.js';
import { LOG_SOURCE, LogSource } from './sources/log-source.js';
import { FirehoseStore, type Checkpoint, type StoredDeliveryStream } from './store.js';

/** How often buffered records are checked against their delivery stream's interval. */
const TICK_MS = 100;
const HOUR_MS = 3_600_000;

export interface FirehoseParts {
  sink: ObjectSink;
  /** Threads of the compression pool, started when the first compressed object is made. */
  compressThreads: number;
  /** The functions a Lambda processor may name (--lambda): function name → module path. */
  functions?: ReadonlyMap<string, string>;
  /** Threads of the transform handlers' pool, started with the first delivery stream that has a Lambda processor (default: compressThreads). */
  transformThreads?: number;
  log?: (line: string) => void;
}

export type { DeliveryStreamView } from './observe-view.js';

export interface NewDeliveryStream {
  name: string;
  type: DeliveryStreamType;
  /** The S3 destination; for an HTTP endpoint destination, its S3Configuration (the backup). */
  destination: S3ConfigInput & { RoleARN: string; BucketARN: string };
  http?: HttpConfigInput | undefined;
  source?: { KinesisStreamARN: string; RoleARN: string } | undefined;
  tags: Record<string, string>;
}

/**
 * The Firehose service's state and what it does: delivery streams coming and going (CREATING →
 * ACTIVE → DELETING with the engine's configured delays, recorded before they are answered), their
 * ingest, and each one's delivery into the sink. Throws AwsError in AWS's words.
 */
export class Firehose {
  readonly streams: DeliveryStreamRegistry;
  readonly ingest: Ingest;
  /** Counters per delivery stream (metrics.ts); observe() adds what the deliveries hold now. */
  readonly metrics: FirehoseMetrics;
  private readonly deliveries = new Map<DeliveryStream, Delivery>();
  /** Each stream's deliveries are numbered as they start (see startDelivery). */
  private readonly generations = new WeakMap<DeliveryStream, number>();
  private readonly ticker: NodeJS.Timeout;
  private lastCreatedMs = 0;
  private readonly log: (line: string) => void;
  private readonly sources: SourceStreams;
  private closing: Promise<void> | null = null;
  private readonly workers: DeliveryParts;

  private constructor(
    private readonly engine: Engine,
    private readonly store: FirehoseStore,
    private readonly parts: FirehoseParts,
  ) {
    const { config } = engine;
    this.metrics = new FirehoseMetrics(config.metrics);
    this.streams = new DeliveryStreamRegistry(config.region, config.accountId);
    this.ingest = new Ingest(
      engine.internalLogs,
      { throttle: config.throttle, recordsPerSec: config.firehoseRecordsPerSec, callsPerSec: config.firehoseCallsPerSec, bytesPerSec: config.firehoseBytesPerSec },
      () => engine.clock.now(),
      this.metrics,
    );
    this.log = parts.log ?? ((line) => console.error(line));
    this.sources = new SourceStreams(engine, store, this.log);
    this.workers = new DeliveryParts(parts.sink, engine.clock, this.log, this.metrics, { compress: parts.compressThreads, transform: parts.transformThreads ?? parts.compressThreads });
    this.ticker = setInterval(() => {
      for (const d of this.deliveries.values()) d.tick();
    }, TICK_MS);
    this.ticker.unref();
  }

  /** Opens the service over a started engine: delivery streams recorded by the last run come back ACTIVE and deliver from their checkpoints. */
  static async start(engine: Engine, parts: FirehoseParts): Promise<Firehose> {
    const store = FirehoseStore.open(engine.persistence.dir);
    const firehose = new Firehose(engine, store, parts);
    const stored = store.load();
    for (const gone of store.removeUnrecorded(stored)) firehose.log(`riffle: firehose: removed ${gone}, deleted before the last shutdown`);
    for (const s of stored) await firehose.restore(s);
    firehose.sweep(stored);
    return firehose;
  }

  /** In the background: what a crash left of objects being written (temp files) in the restored streams' buckets goes. */
  private sweep(stored: readonly StoredDeliveryStream[]): void {
    const sink = this.parts.sink;
    if (sink.sweep === undefined) return;
    for (const bucket of new Set(stored.map((s) => bucketOf(s.destination)))) {
      sink.sweep(bucket).then(
        (n) => n > 0 && this.log(`riffle: firehose: removed ${n} unfinished object file(s) a crash left in ${sink.description}/${bucket}`),
        (err: unknown) => this.log(`riffle: firehose: cannot sweep ${sink.description}/${bucket} (${(err as Error).message})`),
      );
    }
  }

  private get account(): string {
    return this.engine.config.accountId;
  }

  private persist(): void {
    this.store.save(this.streams.all());
  }

  private after(d: DeliveryStream, ms: number, fn: () => void): void {
    if (ms === 0) return fn();
    const t = setTimeout(() => {
      d.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    d.timers.add(t);
  }

  async create(input: NewDeliveryStream): Promise<DeliveryStream> {
    const { name } = input;
    if (this.streams.has(name)) {
      // wording not confirmed (moto and others use it)
      throw new AwsError('ResourceInUseException', `Firehose ${name} under accountId ${this.account} already exists`);
    }
    if (this.streams.size >= FIREHOSE_DELIVERY_STREAMS_MAX) {
      throw new AwsError('LimitExceededException', `You have already consumed your firehose quota of ${FIREHOSE_DELIVERY_STREAMS_MAX} hoses. Firehose names: ${this.streams.sortedNames().slice(0, 3).join(', ')}...`);
    }
    if (Object.keys(input.tags).length > FIREHOSE_TAGS_MAX) throw this.tooManyTags(name);
    const http = input.http === undefined ? undefined : describeHttpNew(input.http);
    const destination = describeNew(input.destination);
    const unstorable = checkDestination(destination, this.parts.sink, name);
    await this.workers.checkQuery(destination);
    const createdMs = Math.max(this.engine.clock.now(), this.lastCreatedMs + 1);
    let source: KinesisSourceConfig | undefined;
    if (input.type === DELIVERY_STREAM_TYPE.KINESIS && input.source !== undefined) {
      this.sources.check(input.source.KinesisStreamARN);
      source = { kinesisStreamArn: input.source.KinesisStreamARN, roleArn: input.source.RoleARN, deliveryStartMs: createdMs };
    }
    this.lastCreatedMs = createdMs;
    const d: DeliveryStream = {
      name,
      arn: this.streams.arnFor(name),
      createdMs,
      type: input.type,
      status: DELIVERY_STREAM_STATUS.CREATING,
      versionId: 1,
      lastUpdateMs: undefined,
      destination,
      http,
      tags: new Map(Object.entries(input.tags)),
      source,
      log: undefined,
      timers: new Set(),
    };
    this.streams.add(d);
    try {
      await this.open(d);
      this.persist();
    } catch (err) {
      this.streams.remove(d);
      await this.close1(d, true);
      throw err;
    }
    if (unstorable !== undefined) this.log(`riffle: firehose ${name}: ${unstorable}`);
    this.after(d, this.engine.config.createStreamMs, () => {
      if (d.status === DELIVERY_STREAM_STATUS.CREATING) d.status = DELIVERY_STREAM_STATUS.ACTIVE;
    });
    return d;
  }

  /** Opens the source's log (DirectPut: the internal log, recovered) and starts delivery from the checkpoint. */
  private async open(d: DeliveryStream): Promise<void> {
    if (d.source === undefined) {
      const { log, recovery } = await this.engine.internalLogs.open('firehose', d.name, d.createdMs, FIREHOSE_DIRECT_PUT_RETRY_HOURS * HOUR_MS);
      d.log = log;
      if (recovery.report !== '') this.log(`riffle: firehose ${d.name}: ${recovery.report.replace(/\n/g, '; ')}`);
      const checkpoint = this.store.checkpoint(d.name, d.createdMs);
      // With --fsync never a power loss can take the log's tail but not the checkpoint, which is
      // synced: new records would then get counters below it. Deliver from what the log has.
      if (checkpoint !== undefined && checkpoint.nextSeq > recovery.nextSeq) {
        this.log(`riffle: firehose ${d.name}: its log ends at counter ${recovery.nextSeq}, before its checkpoint ${checkpoint.nextSeq} (records lost in a crash with --fsync never); delivering from ${recovery.nextSeq}`);
        this.store.saveCheckpoint(d.name, d.createdMs, { nextSeq: recovery.nextSeq });
      }
    }
    await this.startDelivery(d);
  }

  /** Whether `d` is still served: not deleted, not shut down. */
  private live(d: DeliveryStream): boolean {
    return this.closing === null && d.status !== DELIVERY_STREAM_STATUS.DELETING && this.streams.has(d.name) && this.streams.get(d.name) === d;
  }

  /** Starts (or starts again) `d`'s delivery from its checkpoint. */
  private async startDelivery(d: DeliveryStream): Promise<void> {
    // From here on, a delivery started before this one records no checkpoint: one of a write it
    // finishes late would take this one's back (duplicates after a restart).
    const generation = (this.generations.get(d) ?? 0) + 1;
    this.generations.set(d, generation);
    const checkpoint = this.store.checkpoint(d.name, d.createdMs);
    const source: DeliverySource =
      d.log !== undefined ? new LogSource(this.engine.internalLogs, d.log, checkpoint?.nextSeq ?? 1) : await this.sources.open(d, checkpoint?.shards);
    if (!this.live(d)) return; // deleted or shut down while the source was being found
    const settings = this.settingsOf(d);
    if (settings.transform?.lambda?.module === null) this.log(`riffle: firehose ${d.name}: its Lambda processor names ${settings.transform.lambda.lambdaArn}, a function no --lambda registers: its records will go to the error output (processing-failed)`);
    const delivery: Delivery = new Delivery(settings, source, this.workers.writer(d), this.engine.clock, {
      checkpoint: (positions, newestArrivalMs) => this.generations.get(d) === generation && this.checkpointed(d, positions, newestArrivalMs),
      reread: () => {
        if (this.deliveries.get(d) !== delivery) return;
        this.deliveries.delete(d);
        // Not at once: a failure that repeats (a codec that cannot load, say) must not spin. The
        // records stay in the source meanwhile, up to its retention.
        const t = setTimeout(() => {
          d.timers.delete(t);
          if (this.live(d)) this.startDelivery(d).catch((err: unknown) => this.log(`riffle: firehose ${d.name}: cannot start its delivery again (${(err as Error).message})`));
        }, FIREHOSE_S3_RETRY_MS);
        t.unref();
        d.timers.add(t);
      },
      delivered: (records, bytes, stored) => this.metrics.delivered(d, records, bytes, stored, this.engine.clock.now()),
      log: this.log,
    }, this.workers.transform(d, settings));
    this.deliveries.set(d, delivery);
    delivery.start();
  }

  /** An object of `d`'s is stored: record where delivery goes on, then let the log drop what it delivered. */
  private checkpointed(d: DeliveryStream, positions: Positions, newestArrivalMs: number): void {
    // An object stored after the stream was deleted: its files are gone and stay gone.
    if (d.status === DELIVERY_STREAM_STATUS.DELETING || !this.streams.has(d.name)) return;
    const checkpoint: Checkpoint = d.log === undefined ? { nextSeq: 0, shards: Object.fromEntries(positions) } : { nextSeq: positions.get(LOG_SOURCE) ?? 1 };
    try {
      this.store.saveCheckpoint(d.name, d.createdMs, checkpoint);
    } catch (err) {
      this.log(`riffle: firehose ${d.name}: cannot record its checkpoint (${(err as Error).message}); delivered records may be delivered again after a restart`);
      return;
    }
    // Every record that arrived before the newest one stored is delivered (arrivals never decrease).
    if (d.log !== undefined && this.deliveries.has(d)) {
      this.engine.internalLogs.trim(d.log, newestArrivalMs).catch((err: unknown) => this.log(`riffle: firehose ${d.name}: cannot trim its log (${(err as Error).message})`));
    }
  }

  private async restore(s: StoredDeliveryStream): Promise<void> {
    const d: DeliveryStream = {
      name: s.name,
      arn: this.streams.arnFor(s.name),
      createdMs: s.createdMs,
      type: s.type as DeliveryStreamType,
      status: DELIVERY_STREAM_STATUS.ACTIVE,
      versionId: s.versionId,
      lastUpdateMs: s.lastUpdateMs,
      destination: s.destination,
      http: s.http,
      tags: new Map(Object.entries(s.tags)),
      source: s.source,
      log: undefined,
      timers: new Set(),
    };
    this.lastCreatedMs = Math.max(this.lastCreatedMs, s.createdMs);
    this.streams.add(d);
    if (d.source !== undefined && !this.sources.exists(d.source.kinesisStreamArn)) {
      // Its source stream was deleted: the delivery stream stays (and can be described or deleted), with nothing to read.
      this.log(`riffle: firehose ${d.name}: its source stream ${d.source.kinesisStreamArn} no longer exists; nothing will be delivered`);
      return;
    }
    await this.open(d);
  }

  /** Stops delivery; `drop`: and deletes the log and checkpoint (what was not delivered is discarded, as AWS does). */
  private async close1(d: DeliveryStream, drop: boolean): Promise<void> {
    this.deliveries.get(d)?.stop();
    this.deliveries.delete(d);
    this.ingest.forget(d);
    for (const t of d.timers) clearTimeout(t);
    d.timers.clear();
    if (!drop) return;
    if (d.log !== undefined) await this.engine.internalLogs.remove(d.log).catch((err: unknown) => this.log(`riffle: firehose ${d.name}: cannot remove its log (${(err as Error).message})`));
    this.store.remove(d.name, d.createdMs);
  }

  delete(name: string): void {
    const d = this.streams.get(name);
    if (d.status === DELIVERY_STREAM_STATUS.DELETING) return;
    if (d.status === DELIVERY_STREAM_STATUS.CREATING) {
      // "You can't delete a Firehose stream that is in the CREATING state." (wording of the error not confirmed)
      throw new AwsError('ResourceInUseException', `Firehose ${name} under account ${this.account} is in CREATING state; it can be deleted once it is ACTIVE.`);
    }
    d.status = DELIVERY_STREAM_STATUS.DELETING;
    try {
      this.persist(); // a restart finishes the deletion: the stream is no longer recorded
    } catch (err) {
      d.status = DELIVERY_STREAM_STATUS.ACTIVE;
      throw err;
    }
    void this.close1(d, false);
    this.after(d, this.engine.config.deleteStreamMs, () => {
      if (!this.streams.remove(d)) return;
      void this.close1(d, true);
    });
  }

  /** `http`: an HttpEndpointDestinationUpdate (its S3Update is `update`), for an HTTP endpoint destination only. */
  async updateDestination(name: string, currentVersion: string, destinationId: string, update: S3ConfigInput, http?: HttpUpdateInput): Promise<void> {
    const d = this.streams.get(name);
    if (d.status !== DELIVERY_STREAM_STATUS.ACTIVE) {
      throw new AwsError('ResourceInUseException', `Firehose ${name} under account ${this.account} is not ACTIVE, instead in state ${d.status}.`);
    }
    if (destinationId !== DESTINATION_ID) {
      throw new AwsError('InvalidArgumentException', `Destination ${destinationId} not found for Firehose ${name} under account ${this.account}.`);
    }
    if ((d.http === undefined) !== (http === undefined)) {
      throw new AwsError('InvalidArgumentException', `Riffle does not change a delivery stream's destination type: ${name} has ${d.http === undefined ? 'an S3' : 'an HTTP endpoint'} destination; delete it and create it again.`);
    }
    if (currentVersion.replace(/^0+(?=\d)/, '') !== String(d.versionId)) {
      throw new AwsError('ConcurrentModificationException', `Cannot update Firehose ${name}: its version is ${d.versionId}, not ${currentVersion} (it was updated since it was described).`);
    }
    const next = describeUpdate(d.destination, update);
    const before0 = d.versionId;
    const nextHttp = d.http === undefined || http === undefined ? undefined : describeHttpUpdate(d.http, http);
    const unstorable = checkDestination(next, this.parts.sink, name);
    await this.workers.checkQuery(next);
    if (d.versionId !== before0) throw new AwsError('ConcurrentModificationException', `Cannot update Firehose ${name}: it was updated while this update was checked.`);
    const before = { destination: d.destination, http: d.http, versionId: d.versionId, lastUpdateMs: d.lastUpdateMs };
    d.destination = next;
    d.http = nextHttp;
    d.versionId += 1;
    d.lastUpdateMs = this.engine.clock.now();
    try {
      this.persist();
    } catch (err) {
      Object.assign(d, before); // not recorded: not changed
      throw err;
    }
    if (unstorable !== undefined) this.log(`riffle: firehose ${name}: ${unstorable}`);
    const delivery = this.deliveries.get(d);
    const settings = this.settingsOf(d);
    if (delivery === undefined || delivery.canUpdate(settings)) return delivery?.update(settings);
    // A Lambda processor added or removed: delivery starts again from the checkpoint with it.
    delivery.stop();
    this.deliveries.delete(d);
    this.startDelivery(d).catch((err: unknown) => this.log(`riffle: firehose ${d.name}: cannot start its delivery again (${(err as Error).message})`));
  }

  private settingsOf(d: DeliveryStream): DeliverySettings {
    return { ...deliverySettings(d, this.sources.retryHours(d), this.parts.functions ?? new Map()), partitionBuffersBytes: this.engine.config.partitionBuffersBytes };
  }

  tag(name: string, tags: Record<string, string>): void {
    const d = this.streams.get(name);
    if (new Set([...d.tags.keys(), ...Object.keys(tags)]).size > FIREHOSE_TAGS_MAX) throw this.tooManyTags(name);
    for (const [k, v] of Object.entries(tags)) d.tags.set(k, v);
    this.persist();
  }

  untag(name: string, keys: readonly string[]): void {
    const d = this.streams.get(name);
    for (const k of keys) d.tags.delete(k);
    this.persist();
  }

  private tooManyTags(name: string): AwsError {
    // wording not confirmed
    return new AwsError('LimitExceededException', `Firehose ${name} under account ${this.account} cannot have more than ${FIREHOSE_TAGS_MAX} tags.`);
  }

  /** What metrics and the dashboard show of each delivery stream now: its counters and its buffer. */
  observe(): DeliveryStreamView[] {
    return observeDeliveries(this.streams.all(), this.deliveries, this.metrics);
  }

  /** Until every object being written is stored (tests, and a clean shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.deliveries.values()].map((d) => d.idle()));
  }

  /** Stops every delivery (what is buffered stays in the logs, delivered after a restart) and the pool. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.ticker);
      for (const d of [...this.streams.all()]) await this.close1(d, false);
      await this.parts.sink.close();
      await this.workers.close();
    })();
    return this.closing;
  }
}
