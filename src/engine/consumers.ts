/**
 * Registered stream consumers (enhanced fan-out), as AWS names and limits them: ARN
 * `<stream ARN>/consumer/<name>:<creation epoch seconds>`, states CREATING → ACTIVE → DELETING →
 * gone, at most `consumerLimit` per stream (AWS: 20) and 5 CREATING or DELETING at once per stream.
 * The engine owns one registry; consumers live on their stream (Stream.consumers) and are kept in
 * the manifest.
 */
import { AwsError } from '../aws/errors.js';
import { MAX_CHANGING_CONSUMERS } from '../limits.js';
import { CONSUMER_STATUS, isReadable, type Consumer, type Stream } from './model.js';

export function consumerArn(stream: Stream, name: string, createdMs: number): string {
  return `${stream.arn}/consumer/${name}:${Math.floor(createdMs / 1000)}`;
}

/** `arn:...:stream/<stream>/consumer/<name>:<seconds>` → its parts, or null. */
export function parseConsumerArn(arn: string): { streamArn: string; streamName: string; name: string; seconds: number } | null {
  const m = /^(arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream\/([^/]+))\/consumer\/([^:/]+):(\d+)$/.exec(arn);
  if (m === null) return null;
  return { streamArn: m[1] as string, streamName: m[2] as string, name: m[3] as string, seconds: Number(m[4]) };
}

export interface ConsumerHooks {
  /** Account id, for AWS's messages. */
  readonly account: string;
  readonly limit: number;
  readonly now: () => number;
  /** Runs fn after ms (0: now), cancelled if the stream goes away. */
  after(stream: Stream, ms: number, fn: () => void): void;
  readonly createMs: number;
  readonly deleteMs: number;
  /** The registry changed: record it (manifest). */
  persist(): void;
  /** A consumer is going away: end its subscriptions. */
  ended(consumer: Consumer): void;
}

export class ConsumerRegistry {
  constructor(private readonly hooks: ConsumerHooks) {}

  register(stream: Stream, name: string, tags: Record<string, string> = {}): Consumer {
    if (!isReadable(stream)) {
      throw new AwsError('ResourceInUseException', `Stream ${stream.name} under account ${this.hooks.account} not ACTIVE, instead in state ${stream.status}`);
    }
    if (stream.consumers.has(name)) {
      throw new AwsError('ResourceInUseException', `Consumer ${name} under stream ${stream.name} already exists for account ${this.hooks.account}.`);
    }
    if (stream.consumers.size >= this.hooks.limit) {
      throw new AwsError('LimitExceededException', `Consumer limit of ${this.hooks.limit} for stream ${stream.name} under account ${this.hooks.account} has been reached.`);
    }
    let changing = 0;
    for (const c of stream.consumers.values()) if (c.status !== CONSUMER_STATUS.ACTIVE) changing++;
    if (changing >= MAX_CHANGING_CONSUMERS) {
      throw new AwsError('LimitExceededException', `Stream ${stream.name} under account ${this.hooks.account} has ${changing} consumers in CREATING or DELETING state; the limit is ${MAX_CHANGING_CONSUMERS}.`);
    }
    const createdMs = this.hooks.now();
    const consumer: Consumer = { name, arn: consumerArn(stream, name, createdMs), createdMs, stream, status: CONSUMER_STATUS.CREATING, tags: new Map(Object.entries(tags)), policy: null };
    stream.consumers.set(name, consumer);
    this.hooks.persist();
    // RegisterStreamConsumer answers CREATING, as AWS does, even when the delay is 0 (then ACTIVE
    // as soon as the answer is made).
    const activate = (): void => {
      if (consumer.status === CONSUMER_STATUS.CREATING) consumer.status = CONSUMER_STATUS.ACTIVE;
    };
    if (this.hooks.createMs === 0) queueMicrotask(activate);
    else this.hooks.after(stream, this.hooks.createMs, activate);
    return consumer;
  }

  /** Restores a consumer from the manifest (ACTIVE at once). */
  restore(stream: Stream, name: string, createdMs: number, tags: Record<string, string> = {}, policy: string | null = null): void {
    stream.consumers.set(name, { name, arn: consumerArn(stream, name, createdMs), createdMs, stream, status: CONSUMER_STATUS.ACTIVE, tags: new Map(Object.entries(tags)), policy });
  }

  /** The consumer by ARN, or by stream and name; ResourceNotFoundException as AWS words it. */
  find(stream: Stream | undefined, name: string | undefined, arn: string | undefined): Consumer {
    const notFound = (what: string): AwsError => new AwsError('ResourceNotFoundException', `Consumer ${what} under account ${this.hooks.account} not found.`);
    if (arn !== undefined) {
      const parts = parseConsumerArn(arn);
      const consumer = parts === null ? undefined : stream?.consumers.get(parts.name);
      if (consumer === undefined || consumer.arn !== arn || (name !== undefined && name !== consumer.name)) throw notFound(arn);
      return consumer;
    }
    const consumer = name === undefined ? undefined : stream?.consumers.get(name);
    if (consumer === undefined) throw notFound(name ?? '');
    return consumer;
  }

  deregister(consumer: Consumer): void {
    if (consumer.status === CONSUMER_STATUS.DELETING) return;
    consumer.status = CONSUMER_STATUS.DELETING;
    this.hooks.persist(); // a restart finishes the deregistration
    this.hooks.ended(consumer);
    this.hooks.after(consumer.stream, this.hooks.deleteMs, () => {
      if (consumer.stream.consumers.get(consumer.name) === consumer) consumer.stream.consumers.delete(consumer.name);
    });
  }
}
