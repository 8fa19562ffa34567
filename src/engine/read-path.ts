import { AwsError } from '../aws/errors.js';
import { GET_RECORDS_BYTES_MAX, ITERATOR_TTL_MS } from '../limits.js';
import type { SharedClock } from '../shard/clock.js';
import { decodePositionReply, decodeReadReply, encodePosition, encodeRead, POSITION_KIND, READ_REPLY_SHARD_END, STATUS, type ReadRecord } from '../shard/messages.js';
import type { OwnerPool } from '../shard/pool/owner-pool.js';
import type { IteratorCodec, IteratorState } from './iterator-token.js';
import type { OpMetrics } from './op-metrics.js';
import { childShardsOut, type ChildShardOut } from './lineage.js';
import { isReadable, shardIdFor, type Shard, type Stream, type StreamLookup, type StreamRef } from './model.js';
import { ownerError } from './owner-status.js';
import { formatSequenceNumber, parseSequenceNumber } from './sequence-number.js';

export const ITERATOR_TYPES = ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'] as const;
export type IteratorType = (typeof ITERATOR_TYPES)[number];

export interface RecordOut {
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
  arrival: Date;
}

export interface GetRecordsResult {
  records: RecordOut[];
  /** null at a closed shard's end (AWS: "the shard has been closed and the requested iterator does not return any more data"). */
  nextShardIterator: string | null;
  millisBehindLatest: number;
  /** At a closed shard's end, its children; else absent. */
  childShards?: ChildShardOut[];
}

/** "Thu Jan 22 01:22:02 UTC 2015", the Java Date format AWS prints in ExpiredIteratorException. */
function amzUtc(ms: number): string {
  const m = /^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/.exec(new Date(ms).toUTCString());
  return m === null ? new Date(ms).toISOString() : `${m[1]} ${m[3]} ${m[2]} ${m[5]} UTC ${m[4]}`;
}

/**
 * The read path: where a reader starts (GetShardIterator's and SubscribeToShard's starting
 * positions), shard iterators, and GetRecords, charged to the shard's read limits at its owner.
 */
export class ReadPath {
  constructor(
    private readonly streams: StreamLookup,
    private readonly pool: OwnerPool,
    private readonly account: string,
    private readonly clock: SharedClock,
    private readonly iterators: IteratorCodec,
    private readonly ops: OpMetrics,
  ) {}

  private shardGone(streamName: string, shardId: string): AwsError {
    return new AwsError('ResourceNotFoundException', `Shard ${shardId} in stream ${streamName} under account ${this.account} does not exist`);
  }

  async getShardIterator(ref: StreamRef, shardId: string, type: IteratorType, startingSequenceNumber: string | undefined, timestampMs: number | undefined): Promise<string> {
    const stream = this.streams.readable(ref);
    const shard = stream.shards.find((s) => s.shardId === shardId);
    // A retired shard (closed, and past the retention period) is gone, as AWS's expired shards are.
    if (shard === undefined || shard.retired === true) throw this.shardGone(stream.name, shardId);
    const position = await this.resolvePosition(stream, shard, type, startingSequenceNumber, timestampMs, 'GetShardIterator');
    return this.iterators.encode({ streamName: stream.name, streamCreatedMs: stream.createdMs, shardIndex: shard.index, position, createdMs: this.clock.now() });
  }

  /**
   * The counter a reader starts at: GetShardIterator's and SubscribeToShard's StartingPosition
   * rules and error wording (`operation` names the call in messages).
   */
  async resolvePosition(
    stream: Stream,
    shard: Shard,
    type: IteratorType,
    startingSequenceNumber: string | undefined,
    timestampMs: number | undefined,
    operation: string,
  ): Promise<number> {
    const shardId = shard.shardId;
    const bySequence = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER';
    if (bySequence !== (startingSequenceNumber !== undefined) && type !== 'AT_TIMESTAMP') {
      throw new AwsError(
        'InvalidArgumentException',
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
          '(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. ' +
          `Request specified ${type} and ${bySequence ? 'no' : 'also a'} StartingSequenceNumber.`,
      );
    }
    if (bySequence) {
      const seq = startingSequenceNumber as string;
      const parts = parseSequenceNumber(seq);
      const where = `used in ${operation} on shard ${shardId} in stream ${stream.name} under account ${this.account}`;
      if (parts === null) throw new AwsError('InvalidArgumentException', `StartingSequenceNumber ${seq} ${where} is invalid.`);
      if (parts.streamCreatedMs !== stream.createdMs) {
        throw new AwsError('InvalidArgumentException', `StartingSequenceNumber ${seq} ${where} is invalid because it did not come from this stream.`);
      }
      if (parts.shardIndex !== shard.index) {
        throw new AwsError('InvalidArgumentException', `Invalid StartingSequenceNumber. It encodes ${shardIdFor(parts.shardIndex)}, while it was used in a call to a shard with ${shardId}`);
      }
      return type === 'AT_SEQUENCE_NUMBER' ? parts.counter : parts.counter + 1;
    }
    if (type === 'TRIM_HORIZON') return 0;
    if (type === 'LATEST') return this.position(stream, shard, POSITION_KIND.LATEST, 0);
    if (timestampMs === undefined) {
      throw new AwsError(
        'InvalidArgumentException',
        'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
      );
    }
    const now = this.clock.now();
    if (timestampMs > now) {
      throw new AwsError(
        'InvalidArgumentException',
        `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${timestampMs}, currentTimestampInMillis: ${now}`,
      );
    }
    return this.position(stream, shard, POSITION_KIND.AT_TIMESTAMP, timestampMs);
  }

  private position(stream: Stream, shard: Shard, kind: number, value: number): Promise<number> {
    return this.pool.request(
      shard.owner,
      (id) => encodePosition(id, shard.gid, kind, value),
      (h, r) => {
        if (h.status !== STATUS.OK) throw ownerError(h.status, { account: this.account, stream, shard });
        return decodePositionReply(r);
      },
    );
  }

  async getRecords(token: string, limit: number): Promise<GetRecordsResult> {
    const it = this.iterators.decode(token);
    const now = this.clock.now();
    if (it === null || it.createdMs > now + 1000) throw new AwsError('InvalidArgumentException', 'Invalid ShardIterator.');
    if (now - it.createdMs > ITERATOR_TTL_MS) {
      throw new AwsError(
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${amzUtc(it.createdMs)} while right now it is ${amzUtc(now)} ` +
          `which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`,
      );
    }
    const stream = this.streams.ifSame(it.streamName, it.streamCreatedMs);
    const shard = stream?.shards[it.shardIndex];
    if (stream === undefined || !isReadable(stream) || shard === undefined) throw this.shardGone(it.streamName, shardIdFor(it.shardIndex));
    const started = performance.now();
    try {
      const result = await this.read(stream, shard, it, limit);
      let bytes = 0;
      for (const record of result.records) bytes += record.data.length;
      this.ops.getRecords(stream, result.records.length, bytes);
      return result;
    } finally {
      this.ops.latency(stream, 'GetRecords', (performance.now() - started) / 1000);
    }
  }

  private async read(stream: Stream, shard: Shard, it: IteratorState, limit: number): Promise<GetRecordsResult> {
    const reply = await this.pool.request(
      shard.owner,
      (id) => encodeRead(id, shard.gid, it.position, limit, GET_RECORDS_BYTES_MAX),
      (h, r) => {
        if (h.status !== STATUS.OK) throw ownerError(h.status, { account: this.account, stream, shard });
        return { ...decodeReadReply(r), shardEnd: (h.flags & READ_REPLY_SHARD_END) !== 0 };
      },
    );
    const records = reply.records.map((rec: ReadRecord) => ({
      sequenceNumber: formatSequenceNumber(shard.seqPrefix, rec.seq),
      partitionKey: rec.key,
      data: rec.data,
      arrival: new Date(rec.arrivalMs),
    }));
    // KCL's rule: a null NextShardIterator comes with ChildShards, a non-null one without.
    if (reply.shardEnd) return { records, nextShardIterator: null, millisBehindLatest: 0, childShards: childShardsOut(stream, shard) };
    return {
      records,
      nextShardIterator: this.iterators.encode({ ...it, position: reply.nextSeq, createdMs: this.clock.now() }),
      millisBehindLatest: reply.millisBehindLatest,
    };
  }
}
