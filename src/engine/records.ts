import { KinesisError, WIRE_ERROR, type AwsErrorCode } from '../aws/errors.js';
import type { OwnerPool } from '../shard/pool/owner-pool.js';
import {
  decodePutReply,
  decodeReadReply,
  encodePosition,
  encodePut,
  encodeRead,
  READ_FLAG_UNMETERED,
  READ_FLAG_WAIT,
  type ReadReply,
  INGEST_ACK_BYTES,
  INGEST_HEADER_BYTES,
  INGEST_STATUS,
  POSITION_KIND,
  writeIngestHeader,
  putRequestBytes,
  type PutAck,
  type PutEntry,
  type ReadRecord,
} from '../shard/messages.js';
import type { Engine, StreamRef } from './engine.js';
import { native, findRangeBytes } from '../native/index.js';
import { INGEST_RECORD_FIXED_BYTES, SPAN_WORDS } from '../native/ingest.js';
import { hashKeyBytes, MAX_HASH_KEY } from './hash-key.js';
import type { IteratorCodec } from './iterator-token.js';
import { formatSequenceNumber, parseSequenceNumber } from './sequence-number.js';
import type { Shard, Stream } from './stream.js';

export interface PutInput {
  partitionKey: string;
  data: Uint8Array;
  explicitHashKey?: string | undefined;
  sequenceNumberForOrdering?: string | undefined;
}

export type PutResult =
  | { ok: true; shard: Shard; counter: number }
  | { ok: false; errorCode: AwsErrorCode; errorMessage: string };

/** The AWS sequence number of a stored record (formatted only where a client needs the string). */
export function sequenceNumberOf(result: { shard: Shard; counter: number }): string {
  return formatSequenceNumber(result.shard.seqPrefix, result.counter);
}

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
  nextShardIterator: string;
  millisBehindLatest: number;
}

export { INGEST_ACK_BYTES, INGEST_STATUS };

/** The most records putPacked takes in one batch (the WebSocket ingest frame's limit). */
export const PACKED_RECORDS_MAX = 10_000;
/** Shard index per record of the batch being packed: used only before putPacked's first await. */
const routeScratch = new Uint32Array(PACKED_RECORDS_MAX);

/** AWS: "The iterator expires five minutes after it is returned to the requester." */
export const ITERATOR_TTL_MS = 300_000;
/** AWS GetRecords: at most 10 MiB per call. */
export const GET_RECORDS_BYTES_MAX = 10 * 1024 * 1024;

/** "Thu Jan 22 01:22:02 UTC 2015", the Java Date format AWS prints in ExpiredIteratorException. */
function amzUtc(ms: number): string {
  const m = /^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/.exec(new Date(ms).toUTCString());
  return m === null ? new Date(ms).toISOString() : `${m[1]} ${m[3]} ${m[2]} ${m[5]} UTC ${m[4]}`;
}

/** What the fan-out layer hears from the data plane (engine never imports fanout/). */
export interface PushListener {
  /** Whether anyone is subscribed to the stream's shards (else no work is done per put). */
  watching(stream: Stream): boolean;
  /** Records on `shard` were acknowledged: they are stored and may be pushed. */
  committed(stream: Stream, shard: Shard): void;
}

/**
 * An enhanced fan-out read: the owner's READ reply records (each f64 counter, f64 arrival ms,
 * u16 key length, u32 data length, key, data; READ_RECORD_FIXED_BYTES before the key) copied
 * into `bytes` after `headroom` bytes the caller fills (the push frame's header).
 */
export interface PushRead {
  readonly fromSeq: number;
  /** The counter to read from next. */
  readonly nextSeq: number;
  readonly millisBehindLatest: number;
  readonly count: number;
  readonly bytes: Buffer;
}

/** Records per enhanced fan-out read at most (the byte limit usually binds first). */
const PUSH_READ_RECORDS_MAX = 10_000;

/** The data plane: routes records to shard owners and reads them back. */
export class RecordPlane {
  constructor(
    private readonly engine: Engine,
    private readonly pool: OwnerPool,
    private readonly iterators: IteratorCodec,
  ) {}

  private get account(): string {
    return this.engine.config.accountId;
  }

  private throttled(stream: Stream, shard: Shard): string {
    return `Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${this.account}.`;
  }

  /** Routes a batch: MD5(partition key) or ExplicitHashKey → shard; one message per owner. */
  async putRecords(ref: StreamRef, inputs: readonly PutInput[], operation = 'PutRecords'): Promise<{ stream: Stream; results: PutResult[] }> {
    const stream = this.engine.readableStream(ref);
    const { keys, offsets } = packKeys(inputs);
    const routes = this.route(stream, inputs, keys, offsets);
    const byOwner = new Map<number, { entries: PutEntry[]; shards: Shard[]; positions: number[] }>();
    inputs.forEach((input, position) => {
      const shard = stream.shards[routes[position] as number] as Shard;
      let orderingCounter = -1;
      if (input.sequenceNumberForOrdering !== undefined) {
        const parts = parseSequenceNumber(input.sequenceNumberForOrdering);
        if (parts === null) throw this.invalidOrdering(stream, input.sequenceNumberForOrdering, operation);
        // Numbers from another shard or an older incarnation of the stream impose no order here;
        // ours from this shard are always below the next one (the owner checks they were issued).
        if (parts.streamCreatedMs === stream.createdMs && parts.shardIndex === shard.index) orderingCounter = parts.counter;
      }
      let group = byOwner.get(shard.owner);
      if (group === undefined) byOwner.set(shard.owner, (group = { entries: [], shards: [], positions: [] }));
      const key = keys.subarray(offsets[position] as number, offsets[position + 1] as number);
      group.entries.push({ gid: shard.gid, key, data: input.data, orderingCounter });
      group.shards.push(shard);
      group.positions.push(position);
    });

    const results: PutResult[] = new Array(inputs.length);
    // Owners answer independently: one failing (overloaded or dead) fails only its records, and
    // the others' records, already stored, are reported as stored, never retried into duplicates.
    const groups = [...byOwner];
    const settled = await Promise.allSettled(
      groups.map(([owner, group]) =>
        this.pool.request(
          owner,
          (id) => {
            const out = new Uint8Array(putRequestBytes(group.entries));
            encodePut(out, id, group.entries);
            return out;
          },
          (_h, r) => decodePutReply(r),
        ),
      ),
    );
    settled.forEach((outcome, g) => {
      const group = (groups[g] as (typeof groups)[number])[1];
      group.positions.forEach((position, i) => {
        const shard = group.shards[i] as Shard;
        const ack = outcome.status === 'fulfilled' ? outcome.value[i] : undefined;
        results[position] = this.result(stream, shard, ack, inputs[position] as PutInput, operation);
      });
    });
    if (this.pushListener?.watching(stream)) {
      const touched = new Set<Shard>();
      for (const r of results) if (r.ok) touched.add(r.shard);
      for (const shard of touched) this.committed(stream, shard);
    }
    return { stream, results };
  }

  /**
   * Stores binary records read in place from `frame` (`spans` from native.scanIngest, already
   * checked against the PutRecords rules): routes them in one native call, packs each owner's
   * share straight into its request ring, and writes one INGEST_ACK_BYTES entry per record
   * (status, shard index, counter) at acks[acksOffset + 13i], in record order. `frame` is read
   * only before the first await, so it may be a view that dies when the caller returns. An owner
   * that fails (overloaded, or dead) fails only its records, as INTERNAL.
   */
  async putPacked(ref: StreamRef, frame: Uint8Array, spans: Uint32Array, count: number, acks: Uint8Array, acksOffset: number): Promise<Stream> {
    const stream = this.engine.readableStream(ref);
    if (count < 1 || count > PACKED_RECORDS_MAX) throw new RangeError(`putPacked takes 1 to ${PACKED_RECORDS_MAX} records`);
    const routes = routeScratch;
    if (stream.shards.length > 1) native.routeSpans(frame, spans, count, stream.startsBytes, routes);
    else routes.fill(0, 0, count);
    const owners = stream.shardOwners;
    const bytes = new Float64Array(this.pool.size);
    const counts = new Uint32Array(this.pool.size);
    const firstOwner = owners[routes[0] as number] as number;
    let single = true;
    for (let i = 0; i < count; i++) {
      const o = owners[routes[i] as number] as number;
      bytes[o] = (bytes[o] as number) + INGEST_RECORD_FIXED_BYTES + (spans[SPAN_WORDS * i + 1] as number) + (spans[SPAN_WORDS * i + 3] as number);
      counts[o] = (counts[o] as number) + 1;
      if (o !== firstOwner) single = false;
    }
    // Which owner holds each record, to put the replies back in record order (several owners only).
    const recordOwners = single ? null : Uint32Array.from(routes.subarray(0, count), (shard) => owners[shard] as number);
    const requests: Promise<void>[] = [];
    const involved: number[] = [];
    for (let o = 0; o < this.pool.size; o++) {
      const n = counts[o] as number;
      if (n === 0) continue;
      involved.push(o);
      const size = INGEST_HEADER_BYTES + (bytes[o] as number);
      requests.push(
        this.pool.requestFilled(
          o,
          () => size,
          (dst, requestId) => {
            writeIngestHeader(dst, requestId, n);
            const written = native.packIngest(frame, spans, count, routes, stream.shardGids, owners, single ? -1 : o, dst, INGEST_HEADER_BYTES);
            if (written !== size - INGEST_HEADER_BYTES) throw new KinesisError('InternalFailure', 'Internal service failure.');
          },
          (h, r) => {
            if (h.status !== WIRE_ERROR.OK || r.u32() !== n) throw new KinesisError('InternalFailure', 'Internal service failure.');
            const entries = r.bytes.subarray(r.pos, r.pos + n * INGEST_ACK_BYTES);
            if (recordOwners === null) return void acks.set(entries, acksOffset);
            let from = 0;
            for (let i = 0; i < count; i++) {
              if (recordOwners[i] !== o) continue;
              const to = acksOffset + i * INGEST_ACK_BYTES;
              for (let b = 0; b < INGEST_ACK_BYTES; b++) acks[to + b] = entries[from + b] as number;
              from += INGEST_ACK_BYTES;
            }
          },
        ),
      );
    }
    const settled = await Promise.allSettled(requests);
    settled.forEach((outcome, k) => {
      if (outcome.status === 'fulfilled') return;
      const o = involved[k] as number;
      for (let i = 0; i < count; i++) {
        if (recordOwners !== null && recordOwners[i] !== o) continue;
        const to = acksOffset + i * INGEST_ACK_BYTES;
        acks.fill(0, to, to + INGEST_ACK_BYTES);
        acks[to] = INGEST_STATUS.INTERNAL;
      }
    });
    if (this.pushListener?.watching(stream)) {
      // Shards with a stored record (status OK), from the ACK entries.
      const view = new DataView(acks.buffer, acks.byteOffset, acks.byteLength);
      const touched = new Set<number>();
      for (let i = 0; i < count; i++) {
        const at = acksOffset + i * INGEST_ACK_BYTES;
        if (acks[at] === INGEST_STATUS.OK) touched.add(view.getUint32(at + 1, true));
      }
      for (const index of touched) {
        const shard = stream.shards[index];
        if (shard !== undefined) this.committed(stream, shard);
      }
    }
    return stream;
  }

  /** PutResults from putPacked's ACK entries, with PutRecords' per-record error wording. */
  packedResults(stream: Stream, acks: Uint8Array, count: number): PutResult[] {
    const view = new DataView(acks.buffer, acks.byteOffset, acks.byteLength);
    const results: PutResult[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const at = i * INGEST_ACK_BYTES;
      const status = view.getUint8(at);
      const shard = stream.shards[view.getUint32(at + 1, true)];
      if (status === INGEST_STATUS.OK && shard !== undefined) results[i] = { ok: true, shard, counter: view.getFloat64(at + 5, true) };
      else if (status === INGEST_STATUS.THROTTLED && shard !== undefined) {
        results[i] = { ok: false, errorCode: 'ProvisionedThroughputExceededException', errorMessage: this.throttled(stream, shard) };
      } else results[i] = { ok: false, errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' };
    }
    return results;
  }

  /**
   * Shard index for every record in one call: MD5 of each partition key, compared with the
   * stream's start keys (native addon, or its TypeScript twin). ExplicitHashKey overrides.
   */
  private route(stream: Stream, inputs: readonly PutInput[], keys: Buffer, offsets: Uint32Array): Uint32Array {
    const out = new Uint32Array(inputs.length);
    // One shard holds every key: no need to hash.
    if (stream.shards.length > 1) native.routeBatch(keys, offsets, stream.startsBytes, out);
    inputs.forEach((input, i) => {
      if (input.explicitHashKey === undefined) return;
      const value = BigInt(input.explicitHashKey);
      if (value > MAX_HASH_KEY) {
        throw new KinesisError(
          'InvalidArgumentException',
          `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${input.explicitHashKey}`,
        );
      }
      out[i] = findRangeBytes(stream.startsBytes, hashKeyBytes(value), 0);
    });
    return out;
  }

  private result(stream: Stream, shard: Shard, ack: PutAck | undefined, input: PutInput, operation: string): PutResult {
    switch (ack?.status) {
      case WIRE_ERROR.OK:
        return { ok: true, shard, counter: ack.seq };
      case WIRE_ERROR.THROTTLED:
        return { ok: false, errorCode: 'ProvisionedThroughputExceededException', errorMessage: this.throttled(stream, shard) };
      case WIRE_ERROR.ORDERING_AHEAD: {
        const err = this.invalidOrdering(stream, input.sequenceNumberForOrdering ?? '', operation);
        return { ok: false, errorCode: err.code, errorMessage: err.message };
      }
      default:
        return { ok: false, errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' };
    }
  }

  private invalidOrdering(stream: Stream, value: string, operation: string): KinesisError {
    return new KinesisError(
      'InvalidArgumentException',
      `ExclusiveMinimumSequenceNumber ${value} used in ${operation} on stream ${stream.name} under account ${this.account} is invalid.`,
    );
  }

  async getShardIterator(
    ref: StreamRef,
    shardId: string,
    type: IteratorType,
    startingSequenceNumber: string | undefined,
    timestampMs: number | undefined,
  ): Promise<string> {
    const stream = this.engine.readableStream(ref);
    const shard = stream.shards.find((s) => s.shardId === shardId);
    if (shard === undefined) {
      throw new KinesisError('ResourceNotFoundException', `Shard ${shardId} in stream ${stream.name} under account ${this.account} does not exist`);
    }
    const position = await this.resolvePosition(stream, shard, type, startingSequenceNumber, timestampMs, 'GetShardIterator');
    return this.iterators.encode({ streamName: stream.name, streamCreatedMs: stream.createdMs, shardIndex: shard.index, position, createdMs: this.engine.clock.now() });
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
      throw new KinesisError(
        'InvalidArgumentException',
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
          '(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. ' +
          `Request specified ${type} and ${bySequence ? 'no' : 'also a'} StartingSequenceNumber.`,
      );
    }
    let position: number;
    if (bySequence) {
      const seq = startingSequenceNumber as string;
      const parts = parseSequenceNumber(seq);
      const where = `used in ${operation} on shard ${shardId} in stream ${stream.name} under account ${this.account}`;
      if (parts === null) throw new KinesisError('InvalidArgumentException', `StartingSequenceNumber ${seq} ${where} is invalid.`);
      if (parts.streamCreatedMs !== stream.createdMs) {
        throw new KinesisError('InvalidArgumentException', `StartingSequenceNumber ${seq} ${where} is invalid because it did not come from this stream.`);
      }
      if (parts.shardIndex !== shard.index) {
        const encoded = `shardId-${String(parts.shardIndex).padStart(12, '0')}`;
        throw new KinesisError('InvalidArgumentException', `Invalid StartingSequenceNumber. It encodes ${encoded}, while it was used in a call to a shard with ${shardId}`);
      }
      position = type === 'AT_SEQUENCE_NUMBER' ? parts.counter : parts.counter + 1;
    } else if (type === 'TRIM_HORIZON') {
      position = 0;
    } else if (type === 'LATEST') {
      position = await this.position(shard, POSITION_KIND.LATEST, 0);
    } else {
      if (timestampMs === undefined) {
        throw new KinesisError(
          'InvalidArgumentException',
          'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
        );
      }
      const now = this.engine.clock.now();
      if (timestampMs > now) {
        throw new KinesisError(
          'InvalidArgumentException',
          `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${timestampMs}, currentTimestampInMillis: ${now}`,
        );
      }
      position = await this.position(shard, POSITION_KIND.AT_TIMESTAMP, timestampMs);
    }
    return position;
  }

  /**
   * An enhanced fan-out read: records from `fromSeq`, up to `maxBytes` (at least one record), not
   * charged to the shard's GetRecords quota (each consumer has its own limit, on the main thread).
   * With `wait`, a read that finds nothing is answered after the next commit that appends to the
   * shard instead (READ_FLAG_WAIT).
   */
  readForPush(shard: Shard, fromSeq: number, maxBytes: number, headroom: number, wait = false): Promise<PushRead> {
    return this.pool.request(
      shard.owner,
      (id) => encodeRead(id, shard.gid, fromSeq, PUSH_READ_RECORDS_MAX, maxBytes, READ_FLAG_UNMETERED | (wait ? READ_FLAG_WAIT : 0)),
      (h, r) => {
        if (h.status === WIRE_ERROR.SHARD_NOT_FOUND) throw new KinesisError('ResourceNotFoundException', `Shard ${shard.shardId} does not exist`);
        if (h.status !== WIRE_ERROR.OK) throw new KinesisError('InternalFailure', 'Internal service failure.');
        const nextSeq = r.f64();
        const millisBehindLatest = r.f64();
        const count = r.u32();
        // One copy out of the ring slot, records as the owner laid them out (no per-record work).
        const section = r.bytes.subarray(r.pos);
        const bytes = Buffer.allocUnsafe(headroom + section.length);
        bytes.set(section, headroom);
        return { fromSeq, nextSeq, millisBehindLatest, count, bytes };
      },
    );
  }

  /** Set by the fan-out layer: told which shards got records, once they are acknowledged. */
  pushListener: PushListener | null = null;

  private committed(stream: Stream, shard: Shard): void {
    this.pushListener?.committed(stream, shard);
  }

  private position(shard: Shard, kind: number, value: number): Promise<number> {
    return this.pool.request(
      shard.owner,
      (id) => encodePosition(id, shard.gid, kind, value),
      (h, r) => {
        if (h.status !== WIRE_ERROR.OK) throw new KinesisError('InternalFailure', 'Internal service failure.');
        return r.f64();
      },
    );
  }

  async getRecords(token: string, limit: number): Promise<GetRecordsResult> {
    const it = this.iterators.decode(token);
    const now = this.engine.clock.now();
    if (it === null || it.createdMs > now + 1000) throw new KinesisError('InvalidArgumentException', 'Invalid ShardIterator.');
    if (now - it.createdMs > ITERATOR_TTL_MS) {
      throw new KinesisError(
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${amzUtc(it.createdMs)} while right now it is ${amzUtc(now)} ` +
          `which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`,
      );
    }
    const stream = this.engine.streamIfSame(it.streamName, it.streamCreatedMs);
    const shard = stream?.shards[it.shardIndex];
    const live = stream !== undefined && (stream.status === 'ACTIVE' || stream.status === 'UPDATING');
    if (!live || shard === undefined) {
      const shardId = `shardId-${String(it.shardIndex).padStart(12, '0')}`;
      throw new KinesisError('ResourceNotFoundException', `Shard ${shardId} in stream ${it.streamName} under account ${this.account} does not exist`);
    }
    const reply = await this.pool.request(
      shard.owner,
      (id) => encodeRead(id, shard.gid, it.position, limit, GET_RECORDS_BYTES_MAX),
      (h, r) => {
        if (h.status === WIRE_ERROR.READ_THROTTLED) throw new KinesisError('ProvisionedThroughputExceededException', this.throttled(stream, shard));
        if (h.status !== WIRE_ERROR.OK) throw new KinesisError('InternalFailure', 'Internal service failure.');
        return decodeReadReply(r);
      },
    );
    return {
      records: reply.records.map((rec: ReadRecord) => ({
        sequenceNumber: formatSequenceNumber(shard.seqPrefix, rec.seq),
        partitionKey: rec.key,
        data: rec.data,
        arrival: new Date(rec.arrivalMs),
      })),
      nextShardIterator: this.iterators.encode({ ...it, position: reply.nextSeq, createdMs: this.engine.clock.now() }),
      millisBehindLatest: reply.millisBehindLatest,
    };
  }
}

/** All partition keys as UTF-8 in one buffer: one allocation per batch, sliced per record. */
function packKeys(inputs: readonly PutInput[]): { keys: Buffer; offsets: Uint32Array } {
  const offsets = new Uint32Array(inputs.length + 1);
  let total = 0;
  for (const input of inputs) total += Buffer.byteLength(input.partitionKey, 'utf8');
  const keys = Buffer.allocUnsafe(total);
  let at = 0;
  inputs.forEach((input, i) => {
    at += keys.write(input.partitionKey, at, 'utf8');
    offsets[i + 1] = at;
  });
  return { keys, offsets };
}
