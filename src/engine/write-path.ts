import { AwsError, internalFailure, type AwsErrorCode } from '../aws/errors.js';
import { INGEST_RECORDS_MAX } from '../limits.js';
import { findRangeBytes, native } from '../native/index.js';
import { INGEST_RECORD_FIXED_BYTES, SPAN_WORDS } from '../native/ingest.js';
import {
  decodeIngestReply,
  decodePutReply,
  encodePut,
  INGEST_ACK_BYTES,
  INGEST_HEADER_BYTES,
  INGEST_REPLY_NON_ACK,
  putRequestBytes,
  STATUS,
  writeIngestHeader,
  type PutAck,
  type PutEntry,
} from '../shard/messages.js';
import type { OwnerPool } from '../shard/pool/owner-pool.js';
import { hashKeyBytes, MAX_HASH_KEY } from './hash-key.js';
import { DISTRIBUTION, STREAM_MODE, type Routing, type Shard, type Stream, type StreamLookup, type StreamRef } from './model.js';
import { INTERNAL_FAILURE_PARTS, invalidOrdering, ownerErrorParts, type ErrorParts } from './owner-status.js';
import type { PushReads } from './push-reads.js';
import { formatSequenceNumber, parseSequenceNumber } from './sequence-number.js';

export interface PutInput {
  partitionKey: string;
  data: Uint8Array;
  explicitHashKey?: string | undefined;
  sequenceNumberForOrdering?: string | undefined;
}

/** A record's outcome. Read-only: packedResults hands one failure object to all the records it fits. */
export type PutResult =
  | { readonly ok: true; readonly shard: Shard; readonly counter: number }
  | { readonly ok: false; readonly errorCode: AwsErrorCode; readonly errorMessage: string };

/** The AWS sequence number of a stored record (formatted only where a client needs the string). */
export function sequenceNumberOf(result: { shard: Shard; counter: number }): string {
  return formatSequenceNumber(result.shard.seqPrefix, result.counter);
}

/** The statuses putPacked's ACK entries carry: the WebSocket ACK's (docs/ws-protocol.md). */
export const ACK_STATUS = { OK: STATUS.OK, THROTTLED: STATUS.THROTTLED, INTERNAL: STATUS.INTERNAL } as const;
/** One putPacked ACK entry: u8 status, u32 shard index, f64 counter. */
export const ACK_ENTRY_BYTES = INGEST_ACK_BYTES;

/** Shard index per record of the batch being packed: used only before putPacked's first await. */
const routeScratch = new Uint32Array(INGEST_RECORDS_MAX);

/**
 * The write path: routes records to their shards (MD5 of the partition key, or ExplicitHashKey,
 * against the shards' hash key ranges) and sends each owner its share in one message; a record is
 * acknowledged once its owner has stored it. Owners answer independently: one failing (overloaded
 * or dead) fails only its records, and the others', already stored, are reported as stored, never
 * retried into duplicates. Tells the fan-out layer which shards got records.
 */
export class WritePath {
  /** AUTO distribution: where each stream's next record goes. */
  private readonly cursors = new WeakMap<Stream, number>();

  constructor(
    private readonly streams: StreamLookup,
    private readonly pool: OwnerPool,
    private readonly account: string,
    private readonly push: PushReads,
  ) {}

  /** PutRecord and PutRecords' object path: one PUT message per owner. */
  async putRecords(ref: StreamRef, inputs: readonly PutInput[], operation = 'PutRecords'): Promise<{ stream: Stream; results: PutResult[] }> {
    const stream = this.streams.readable(ref);
    const routing = stream.routing;
    const auto = stream.settings.distribution === DISTRIBUTION.AUTO;
    if (auto) {
      const ordered = inputs.find((i) => i.sequenceNumberForOrdering !== undefined);
      // AWS: with AUTO, "PutRecord requests that include this field are rejected with an InvalidArgumentException" (unconfirmed wording).
      if (ordered !== undefined) throw new AwsError('InvalidArgumentException', `SequenceNumberForOrdering cannot be used on stream ${stream.name} under account ${this.account}: its record distribution strategy is AUTO.`);
    }
    const { keys, offsets } = packKeys(inputs);
    // Under AUTO the keys place nothing, but an ExplicitHashKey out of range is still refused.
    if (auto) for (const input of inputs) if (input.explicitHashKey !== undefined) checkHashKey(input.explicitHashKey);
    const routes = auto ? this.spread(stream, routing, inputs.length, new Uint32Array(inputs.length)) : this.route(routing, inputs, keys, offsets);
    const byOwner = new Map<number, { entries: PutEntry[]; shards: Shard[]; positions: number[] }>();
    const onDemand = stream.mode === STREAM_MODE.ON_DEMAND;
    inputs.forEach((input, position) => {
      const shard = routing.shards[routes[position] as number] as Shard;
      if (onDemand) {
        shard.demandBytes += (offsets[position + 1] as number) - (offsets[position] as number) + input.data.length;
        shard.demandRecords++;
      }
      let orderingCounter = -1;
      if (input.sequenceNumberForOrdering !== undefined) {
        const parts = parseSequenceNumber(input.sequenceNumberForOrdering);
        if (parts === null) throw invalidOrdering(stream, input.sequenceNumberForOrdering, operation, this.account);
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
    if (this.push.watching(stream)) {
      const touched = new Set<Shard>();
      for (const r of results) if (r.ok) touched.add(r.shard);
      for (const shard of touched) this.push.committed(stream, shard);
    }
    return { stream, results };
  }

  /**
   * Stores binary records read in place from `frame` (`spans` from native.scanIngest, already
   * checked against the PutRecords rules): routes them in one native call, packs each owner's
   * share straight into its request ring, and writes one INGEST_ACK_BYTES entry per record
   * (status, shard index, counter) at acks[acksOffset + 13i], in record order, with the WebSocket
   * ACK statuses (OK, THROTTLED, INTERNAL). `frame` is read only before the first await, so it may
   * be a view that dies when the caller returns. An owner that fails (overloaded, or dead) fails
   * only its records, as INTERNAL.
   */
  async putPacked(ref: StreamRef, frame: Uint8Array, spans: Uint32Array, count: number, acks: Uint8Array, acksOffset: number): Promise<Stream> {
    const stream = this.streams.readable(ref);
    if (count < 1 || count > INGEST_RECORDS_MAX) throw new RangeError(`putPacked takes 1 to ${INGEST_RECORDS_MAX} records`);
    const routing = stream.routing;
    const routes = routeScratch;
    if (stream.settings.distribution === DISTRIBUTION.AUTO) this.spread(stream, routing, count, routes);
    else if (routing.shards.length > 1) native.routeSpans(frame, spans, count, routing.startsBytes, routes);
    else routes.fill(0, 0, count);
    const owners = routing.shardOwners;
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
    if (stream.mode === STREAM_MODE.ON_DEMAND) countDemand(routing, routes, spans, count);
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
            const written = native.packIngest(frame, spans, count, routes, routing.shardGids, owners, single ? -1 : o, dst, INGEST_HEADER_BYTES);
            // The sizes above and the packer disagree: a bug, and the owner would misread the message.
            if (written !== size - INGEST_HEADER_BYTES) throw new Error(`packIngest wrote ${written} bytes of records, ${size - INGEST_HEADER_BYTES} expected`);
          },
          (h, r) => {
            // One reply per owner, for records of several shards: each record's own status is in
            // its entry; a whole reply that is not OK (a message the owner refused) fails them all.
            if (h.status !== STATUS.OK) throw internalFailure();
            const entries = decodeIngestReply(r);
            if (entries.length !== n * INGEST_ACK_BYTES) throw internalFailure();
            const nonAck = (h.flags & INGEST_REPLY_NON_ACK) !== 0;
            if (recordOwners === null) {
              acks.set(entries, acksOffset);
              if (nonAck) for (let i = 0; i < count; i++) toAckStatus(acks, acksOffset + i * INGEST_ACK_BYTES);
              return;
            }
            let from = 0;
            for (let i = 0; i < count; i++) {
              if (recordOwners[i] !== o) continue;
              const to = acksOffset + i * INGEST_ACK_BYTES;
              for (let b = 0; b < INGEST_ACK_BYTES; b++) acks[to + b] = entries[from + b] as number;
              if (nonAck) toAckStatus(acks, to);
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
        acks[to] = STATUS.INTERNAL;
      }
    });
    if (this.push.watching(stream)) {
      // Shards with a stored record (status OK), from the ACK entries.
      const view = new DataView(acks.buffer, acks.byteOffset, acks.byteLength);
      const touched = new Set<number>();
      for (let i = 0; i < count; i++) {
        const at = acksOffset + i * INGEST_ACK_BYTES;
        if (acks[at] === STATUS.OK) touched.add(view.getUint32(at + 1, true));
      }
      for (const index of touched) {
        const shard = stream.shards[index];
        if (shard !== undefined) this.push.committed(stream, shard);
      }
    }
    return stream;
  }

  /** PutResults from putPacked's ACK entries, with PutRecords' per-record error wording. */
  packedResults(stream: Stream, acks: Uint8Array, count: number): PutResult[] {
    const view = new DataView(acks.buffer, acks.byteOffset, acks.byteLength);
    const results: PutResult[] = new Array(count);
    // A throttled batch has many failures alike: one result per shard and status, shared.
    let failures: Map<number, PutResult> | null = null;
    for (let i = 0; i < count; i++) {
      const at = i * INGEST_ACK_BYTES;
      const status = view.getUint8(at);
      const index = view.getUint32(at + 1, true);
      const shard = stream.shards[index];
      if (status === STATUS.OK && shard !== undefined) {
        results[i] = { ok: true, shard, counter: view.getFloat64(at + 5, true) };
        continue;
      }
      // status (u8) and shard index (u32) fit a safe integer: 2^40 at most; -1 for no shard.
      const key = shard === undefined ? -1 : status * 0x1_0000_0000 + index;
      failures ??= new Map();
      let failure = failures.get(key);
      if (failure === undefined) {
        failure = failed(shard === undefined ? INTERNAL_FAILURE_PARTS : ownerErrorParts(status, { account: this.account, stream, shard, record: true }));
        failures.set(key, failure);
      }
      results[i] = failure;
    }
    return results;
  }

  /**
   * The AUTO record distribution strategy: records go round-robin over the open shards, whatever
   * their partition keys and ExplicitHashKeys (AWS: "distributes records evenly across shards").
   */
  private spread(stream: Stream, routing: Routing, count: number, out: Uint32Array): Uint32Array {
    const n = routing.shards.length;
    let at = (this.cursors.get(stream) ?? 0) % n;
    for (let i = 0; i < count; i++) {
      out[i] = at;
      at = at + 1 === n ? 0 : at + 1;
    }
    this.cursors.set(stream, at);
    return out;
  }

  /**
   * Position in `routing.shards` (the open shards) for every record in one call: MD5 of each
   * partition key, compared with their start keys (native addon, or its TypeScript twin).
   * ExplicitHashKey overrides.
   */
  private route(routing: Routing, inputs: readonly PutInput[], keys: Buffer, offsets: Uint32Array): Uint32Array {
    const out = new Uint32Array(inputs.length);
    // One shard holds every key: no need to hash.
    if (routing.shards.length > 1) native.routeBatch(keys, offsets, routing.startsBytes, out);
    inputs.forEach((input, i) => {
      if (input.explicitHashKey === undefined) return;
      out[i] = findRangeBytes(routing.startsBytes, hashKeyBytes(checkHashKey(input.explicitHashKey)), 0);
    });
    return out;
  }

  private result(stream: Stream, shard: Shard, ack: PutAck | undefined, input: PutInput, operation: string): PutResult {
    if (ack?.status === STATUS.OK) return { ok: true, shard, counter: ack.seq };
    const ordering = { value: input.sequenceNumberForOrdering ?? '', operation };
    return failed(ack === undefined ? INTERNAL_FAILURE_PARTS : ownerErrorParts(ack.status, { account: this.account, stream, shard, ordering, record: true }));
  }
}

/**
 * The WebSocket ACK has three statuses (OK, THROTTLED, INTERNAL): any other an owner wrote (a shard
 * deleted while the batch was on its way) is an internal failure there.
 */
function toAckStatus(acks: Uint8Array, at: number): void {
  const status = acks[at];
  if (status !== STATUS.OK && status !== STATUS.THROTTLED && status !== STATUS.INTERNAL) acks[at] = STATUS.INTERNAL;
}

/** An ExplicitHashKey (digits, by its shape) as a hash key: AWS's error past 2^128 - 1. */
function checkHashKey(explicitHashKey: string): bigint {
  const value = BigInt(explicitHashKey);
  if (value > MAX_HASH_KEY) {
    throw new AwsError('InvalidArgumentException', `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${explicitHashKey}`);
  }
  return value;
}

/** On-demand scaling's measure: the writes routed to each open shard (throttled or not). */
function countDemand(routing: Routing, routes: Uint32Array, spans: Uint32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const shard = routing.shards[routes[i] as number] as Shard;
    shard.demandBytes += (spans[SPAN_WORDS * i + 1] as number) + (spans[SPAN_WORDS * i + 3] as number);
    shard.demandRecords++;
  }
}

function failed(err: ErrorParts): PutResult {
  return { ok: false, errorCode: err.code, errorMessage: err.message };
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
