import { AwsError } from '../aws/errors.js';
import { isReadable, openShards, STREAM_MODE, STREAM_STATUS, type Shard, type Stream, type StreamLookup, type StreamRef } from './model.js';

/**
 * The streams this engine holds, by name, and how requests find them: by StreamName, by
 * StreamARN, or both (AWS's rules and wording). Lifecycle adds and removes streams; everything
 * else only looks them up.
 */
export class StreamRegistry implements StreamLookup {
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly region: string,
    readonly account: string,
  ) {}

  arnFor(name: string): string {
    return `arn:aws:kinesis:${this.region}:${this.account}:stream/${name}`;
  }

  notFound(name: string): AwsError {
    return new AwsError('ResourceNotFoundException', `Stream ${name} under account ${this.account} not found.`);
  }

  /** The stream named by StreamName and/or StreamARN (AWS accepts either, or both if they agree). */
  get(ref: StreamRef): Stream {
    let name = ref.name;
    if (ref.arn !== undefined) {
      const prefix = this.arnFor('');
      if (!ref.arn.startsWith(prefix)) {
        // An ARN for another account or region names a stream this endpoint does not hold.
        throw new AwsError('ResourceNotFoundException', `Stream ${ref.arn} not found.`);
      }
      const fromArn = ref.arn.slice(prefix.length);
      if (name !== undefined && name !== fromArn) {
        throw new AwsError('InvalidArgumentException', `StreamARN ${ref.arn} does not match StreamName ${name}.`);
      }
      name = fromArn;
    }
    if (name === undefined) {
      throw new AwsError('InvalidArgumentException', 'Either StreamName or StreamARN must be provided.');
    }
    const stream = this.streams.get(name);
    if (stream === undefined) throw this.notFound(name);
    return stream;
  }

  /** Data-plane calls need the stream ACTIVE or UPDATING; AWS answers "not found" otherwise. */
  readable(ref: StreamRef): Stream {
    const stream = this.get(ref);
    if (!isReadable(stream)) throw this.notFound(stream.name);
    return stream;
  }

  ifSame(name: string, createdMs: number): Stream | undefined {
    const s = this.streams.get(name);
    return s !== undefined && s.createdMs === createdMs ? s : undefined;
  }

  shard(stream: Stream, shardId: string): Shard {
    const shard = stream.shards.find((s) => s.shardId === shardId);
    if (shard === undefined || shard.retired === true) {
      throw new AwsError('ResourceNotFoundException', `Could not find shard ${shardId} in stream ${stream.name} under account ${this.account}.`);
    }
    return shard;
  }

  has(name: string): boolean {
    return this.streams.has(name);
  }

  add(stream: Stream): void {
    if (this.streams.has(stream.name)) throw new Error(`stream ${stream.name} is registered already`);
    this.streams.set(stream.name, stream);
  }

  /** Removes the stream if it is still the one registered under its name. */
  remove(stream: Stream): boolean {
    if (this.streams.get(stream.name) !== stream) return false;
    this.streams.delete(stream.name);
    return true;
  }

  /** Every stream, in no particular order. */
  all(): IterableIterator<Stream> {
    return this.streams.values();
  }

  /** Every stream in name order (ListStreams). */
  list(): Stream[] {
    return [...this.streams.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  openShardCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += openShards(s).length;
    return n;
  }

  onDemandStreamCount(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.mode === STREAM_MODE.ON_DEMAND) n++;
    return n;
  }

  creatingCount(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.status === STREAM_STATUS.CREATING) n++;
    return n;
  }
}
