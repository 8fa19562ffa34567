/**
 * What the rest of the Kinesis API sets on streams and consumers: enhanced monitoring's metric
 * names, encryption (the KMS key recorded; the data itself is not encrypted), resource policies,
 * tags by ARN, the maximum record size, warm throughput and the record distribution strategy.
 * Every change is recorded in the manifest before it is answered. Throws AwsError; wording AWS
 * has not published is marked unconfirmed.
 */
import { AwsError } from '../aws/errors.js';
import type { RiffleConfig } from '../config.js';
import { MAX_TAGS_PER_STREAM } from '../limits.js';
import { parseConsumerArn, type ConsumerRegistry } from './consumers.js';
import type { StreamLifecycle } from './lifecycle.js';
import { DISTRIBUTION, openShards, STREAM_MODE, STREAM_STATUS, type Consumer, type Distribution, type Stream, type StreamRef } from './model.js';
import type { StreamRegistry } from './registry.js';

/** The seven shard-level metrics, in the order AWS lists them for ALL (its CLI's example output). */
export const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'OutgoingRecords',
  'IteratorAgeMilliseconds',
  'IncomingRecords',
  'ReadProvisionedThroughputExceeded',
  'WriteProvisionedThroughputExceeded',
  'OutgoingBytes',
] as const;

/** UpdateStreamWarmThroughput: "Scale to more than 10 GiBps for an on-demand stream" is refused. */
export const WARM_THROUGHPUT_MAX_MIBPS = 10_240;

/** KMS key ids as AWS takes them: key or alias ARN, key id (a UUID), alias name. */
const KEY_ID = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-fA-F-]{36}|alias\/[a-zA-Z0-9/_-]+)|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|alias\/[a-zA-Z0-9/_-]+)$/;

export type Resource = { kind: 'stream'; stream: Stream } | { kind: 'consumer'; consumer: Consumer };

export class StreamSettings {
  constructor(
    private readonly config: RiffleConfig,
    private readonly streams: StreamRegistry,
    private readonly lifecycle: StreamLifecycle,
    private readonly consumers: ConsumerRegistry,
  ) {}

  private get account(): string {
    return this.config.accountId;
  }

  /** EnableEnhancedMonitoring / DisableEnhancedMonitoring: the metrics before and after. */
  setMonitoring(ref: StreamRef, metrics: readonly string[], enable: boolean): { stream: Stream; current: string[]; desired: string[] } {
    const stream = this.streams.get(ref);
    this.lifecycle.requireActive(stream);
    const named = new Set(metrics.includes('ALL') ? SHARD_LEVEL_METRICS : metrics);
    const current = [...stream.settings.shardLevelMetrics];
    const after = new Set(current);
    for (const m of named) {
      if (enable) after.add(m);
      else after.delete(m);
    }
    stream.settings.shardLevelMetrics = SHARD_LEVEL_METRICS.filter((m) => after.has(m));
    this.lifecycle.persist();
    return { stream, current, desired: [...stream.settings.shardLevelMetrics] };
  }

  /** StartStreamEncryption / StopStreamEncryption: UPDATING for --update-stream-ms, then in effect. */
  setEncryption(ref: StreamRef, encryptionType: string, keyId: string, start: boolean): void {
    const stream = this.streams.get(ref);
    if (encryptionType !== 'KMS') {
      // Unconfirmed wording (AWS: "The only valid value is KMS").
      throw new AwsError('InvalidArgumentException', `Invalid EncryptionType ${encryptionType}. KMS is the only valid EncryptionType for this request.`);
    }
    if (!KEY_ID.test(keyId)) {
      // Unconfirmed wording: AWS resolves the key with KMS; Riffle takes any well-formed one.
      throw new AwsError('InvalidArgumentException', `KeyId ${keyId} is not a KMS key ARN, alias ARN, key id or alias name.`);
    }
    this.lifecycle.requireActive(stream);
    stream.status = STREAM_STATUS.UPDATING;
    this.lifecycle.after(stream, this.config.updateStreamMs, () => {
      stream.settings.kmsKeyId = start ? keyId : null;
      if (stream.status === STREAM_STATUS.UPDATING) stream.status = STREAM_STATUS.ACTIVE;
      this.persistOrSay(stream, 'encryption');
    });
  }

  /** A stream or consumer ARN, as PutResourcePolicy and TagResource take one. */
  resource(arn: string): Resource {
    const consumer = parseConsumerArn(arn);
    if (consumer !== null) {
      const stream = this.streams.get({ arn: consumer.streamArn });
      return { kind: 'consumer', consumer: this.consumers.find(stream, undefined, arn) };
    }
    return { kind: 'stream', stream: this.streams.get({ arn }) };
  }

  putPolicy(arn: string, policy: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(policy);
    } catch {
      doc = undefined;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      // Unconfirmed wording.
      throw new AwsError('InvalidArgumentException', 'Policy is not a valid JSON policy document.');
    }
    this.setPolicy(this.resource(arn), policy);
  }

  /** The policy, or "{}" when the resource has none (what AWS answers then). */
  getPolicy(arn: string): string {
    const r = this.resource(arn);
    return (r.kind === 'stream' ? r.stream.settings.policy : r.consumer.policy) ?? '{}';
  }

  deletePolicy(arn: string): void {
    this.setPolicy(this.resource(arn), null);
  }

  private setPolicy(r: Resource, policy: string | null): void {
    if (r.kind === 'stream') r.stream.settings.policy = policy;
    else r.consumer.policy = policy;
    this.lifecycle.persist();
  }

  /** TagResource: adds or replaces; at most 50 tags per resource. */
  tagResource(arn: string, tags: Record<string, string>): void {
    const r = this.resource(arn);
    const map = r.kind === 'stream' ? r.stream.tags : r.consumer.tags;
    if (new Set([...map.keys(), ...Object.keys(tags)]).size > MAX_TAGS_PER_STREAM) {
      const what = r.kind === 'stream' ? `stream ${r.stream.name}` : `consumer ${r.consumer.arn}`;
      // The stream's wording from AddTagsToStream; for a consumer, unconfirmed.
      throw new AwsError('InvalidArgumentException', `Failed to add tags to ${what} under account ${this.account} because a given resource cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`);
    }
    for (const [k, v] of Object.entries(tags)) map.set(k, v);
    this.lifecycle.persist();
  }

  untagResource(arn: string, keys: readonly string[]): void {
    const r = this.resource(arn);
    const map = r.kind === 'stream' ? r.stream.tags : r.consumer.tags;
    for (const k of keys) map.delete(k);
    this.lifecycle.persist();
  }

  listTags(arn: string): Array<{ Key: string; Value: string }> {
    const r = this.resource(arn);
    const map = r.kind === 'stream' ? r.stream.tags : r.consumer.tags;
    return [...map].map(([Key, Value]) => ({ Key, Value }));
  }

  /** UpdateMaxRecordSize: in effect at once for every later write. */
  setMaxRecordSize(ref: StreamRef, kib: number): void {
    const stream = this.streams.get(ref);
    this.lifecycle.requireActive(stream);
    stream.settings.maxRecordSizeKiB = kib;
    this.lifecycle.persist();
  }

  /**
   * UpdateStreamWarmThroughput: on-demand streams of an account with the minimum throughput
   * billing commitment. The stream is UPDATING while its write capacity is brought to the target
   * (open shards of 1 MiB/s each, split as on-demand scaling splits them); returns the target and
   * the capacity warm before the call.
   */
  async setWarmThroughput(ref: StreamRef, mibps: number, commitmentOn: boolean, scaleTo: (stream: Stream, shards: number) => Promise<void>): Promise<{ stream: Stream; target: number; current: number }> {
    const stream = this.streams.get(ref);
    if (stream.mode !== STREAM_MODE.ON_DEMAND) {
      // Unconfirmed wording: "Provisioned capacity mode streams do not support warm throughput configuration".
      throw new AwsError('InvalidArgumentException', `Stream ${stream.name} under account ${this.account} is in PROVISIONED mode: warm throughput is only supported for on-demand streams.`);
    }
    if (!commitmentOn) {
      throw new AwsError('InvalidArgumentException', `Warm throughput requires the account's minimum throughput billing commitment (UpdateAccountSettings) to be enabled.`);
    }
    if (mibps > WARM_THROUGHPUT_MAX_MIBPS) {
      throw new AwsError('LimitExceededException', `WarmThroughputMiBps ${mibps} is over the limit of ${WARM_THROUGHPUT_MAX_MIBPS} MiBps for an on-demand stream.`);
    }
    this.lifecycle.requireActive(stream);
    const current = stream.settings.warmThroughput?.currentMiBps ?? 0;
    stream.settings.warmThroughput = { targetMiBps: mibps, currentMiBps: current };
    this.lifecycle.persist();
    const warm = (): void => {
      const w = stream.settings.warmThroughput;
      if (w !== null && w.targetMiBps === mibps) w.currentMiBps = Math.min(mibps, openShards(stream).length * (this.config.limits.writeBytesPerSec / 1_048_576));
      this.persistOrSay(stream, 'warm throughput');
    };
    const shards = Math.ceil((mibps * 1_048_576) / this.config.limits.writeBytesPerSec);
    if (shards > openShards(stream).length) {
      await scaleTo(stream, shards).then(warm);
    } else {
      stream.status = STREAM_STATUS.UPDATING;
      this.lifecycle.after(stream, this.config.updateStreamMs, () => {
        if (stream.status === STREAM_STATUS.UPDATING) stream.status = STREAM_STATUS.ACTIVE;
        warm();
      });
    }
    return { stream, target: mibps, current };
  }

  /** UpdateStreamRecordDistributionStrategy: on-demand streams; in effect at once. */
  setDistribution(arn: string, strategy: Distribution): void {
    const stream = this.streams.get({ arn });
    if (strategy === DISTRIBUTION.AUTO && stream.mode !== STREAM_MODE.ON_DEMAND) {
      // Unconfirmed wording (AWS: "Attempting to set AUTO on a provisioned stream results in an InvalidArgumentException").
      throw new AwsError('InvalidArgumentException', `Stream ${stream.name} under account ${this.account} is in PROVISIONED mode: the AUTO record distribution strategy is only supported for on-demand streams.`);
    }
    this.lifecycle.requireActive(stream);
    stream.settings.distribution = strategy;
    this.lifecycle.persist();
  }

  private persistOrSay(stream: Stream, what: string): void {
    try {
      this.lifecycle.persist();
    } catch (err) {
      console.error(`riffle: could not record ${stream.name}'s ${what} in the manifest:`, err);
    }
  }
}
