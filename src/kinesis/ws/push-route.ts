/**
 * WebSocket push (docs/ws-protocol.md, "Push"): `ws://host:<stream-port>/subscribe`. A client
 * sends one SUBSCRIBE (a text frame of JSON) naming a registered consumer, one shard or all, and
 * a starting position, with optional per-shard resume points; the server answers SUBSCRIBED, then
 * pushes RECORDS frames (binary) per shard as records are acknowledged, in order per shard, each
 * limited per consumer per shard like SubscribeToShard. No session limit: the subscription lasts
 * as long as the connection. A peer whose unread output passes HIGH_WATER_BYTES pauses its
 * subscriptions until the socket drains (they resume from their positions), so memory per
 * connection is bounded by that mark plus one read per shard.
 */
import { parseConsumerArn } from '../../engine/consumers.js';
import type { Engine } from '../../engine/engine.js';
import { ITERATOR_TYPES, type IteratorType } from '../../engine/read-path.js';
import { parseSequenceNumber } from '../../engine/sequence-number.js';
import { isExpired, lineageRoots, readyChildren } from '../../engine/lineage.js';
import type { Consumer, Shard, Stream } from '../../engine/model.js';
import { isAwsError, AwsError, INTERNAL_FAILURE_MESSAGE } from '../../aws/errors.js';
import type { WsPeer, WsRoute, WsSession } from '../../aws/ws.js';
import { FanoutHub } from '../../fanout/hub.js';
import type { PushSink, Subscription } from '../../fanout/subscription.js';
import { consumerNotFound } from '../errors.js';

export const SUBSCRIBE_PATH = '/subscribe';
/** Unread output per connection past which its subscriptions pause. */
export const HIGH_WATER_BYTES = 1024 * 1024;
/** A SUBSCRIBE frame is small; anything larger is refused by the transport. */
const MAX_MESSAGE_BYTES = 64 * 1024;

interface SubscribeRequest {
  consumerARN?: unknown;
  shards?: unknown;
  startingPosition?: { Type?: unknown; SequenceNumber?: unknown; Timestamp?: unknown };
  resume?: unknown;
}

class PushSession implements WsSession {
  private readonly subs: Subscription[] = [];
  private subscribed = false;
  private open = true;
  /** Following the whole stream: a shard's children are subscribed once it and their other parent end. */
  private lineage: { stream: Stream; consumer: Consumer; start: { type: IteratorType; timestamp?: number }; done: Set<string>; started: Set<string> } | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly peer: WsPeer,
  ) {}

  message(data: Uint8Array, binary: boolean): void {
    if (binary || this.subscribed) {
      return this.error(null, 'InvalidArgumentException', binary ? 'Send SUBSCRIBE as a text frame of JSON.' : 'This connection is already subscribed; open another for another subscription.');
    }
    this.subscribed = true;
    let req: SubscribeRequest;
    try {
      req = JSON.parse(Buffer.from(data).toString('utf8')) as SubscribeRequest;
    } catch {
      this.subscribed = false;
      return this.error(null, 'SerializationException', 'SUBSCRIBE must be a JSON object.');
    }
    this.subscribe(req).catch((err: unknown) => {
      this.subscribed = false;
      for (const sub of this.subs.splice(0)) sub.end(null);
      if (isAwsError(err)) return this.error(null, err.code, err.message);
      console.error('riffle: push subscription failed:', err);
      this.error(null, 'InternalFailure', INTERNAL_FAILURE_MESSAGE);
    });
  }

  private async subscribe(req: SubscribeRequest): Promise<void> {
    const bad = (message: string): AwsError => new AwsError('InvalidArgumentException', message);
    if (typeof req.consumerARN !== 'string') throw bad('consumerARN (a registered consumer ARN) is required.');
    const parts = parseConsumerArn(req.consumerARN);
    if (parts === null) throw consumerNotFound(String(req.consumerARN), this.engine.config.accountId);
    const stream = this.engine.streams.readable({ arn: parts.streamArn });
    const consumer = this.engine.consumers.find(stream, undefined, req.consumerARN);
    let shards: Shard[];
    const now = this.engine.clock.now();
    if (req.shards === undefined) shards = lineageRoots(stream, now, start0(req) === 'LATEST');
    else if (Array.isArray(req.shards) && req.shards.length > 0 && req.shards.every((s) => typeof s === 'string')) shards = (req.shards as string[]).map((id) => this.engine.streams.shard(stream, id));
    else throw bad('shards must be a non-empty list of shard ids, or absent for all shards.');
    const start = req.startingPosition ?? { Type: 'LATEST' };
    if (typeof start.Type !== 'string' || !(ITERATOR_TYPES as readonly string[]).includes(start.Type)) throw bad(`startingPosition.Type must be one of ${ITERATOR_TYPES.join(', ')}.`);
    if (start.SequenceNumber !== undefined && typeof start.SequenceNumber !== 'string') throw bad('startingPosition.SequenceNumber must be a string.');
    if (start.Timestamp !== undefined && typeof start.Timestamp !== 'number') throw bad('startingPosition.Timestamp must be milliseconds since the epoch.');
    const resume = (req.resume ?? {}) as Record<string, unknown>;
    if (typeof resume !== 'object' || resume === null || Array.isArray(resume)) throw bad('resume must map shard ids to sequence numbers.');
    const positions: number[] = [];
    for (const shard of shards) {
      const after = resume[shard.shardId];
      if (after !== undefined) {
        if (typeof after !== 'string' || parseSequenceNumber(after) === null) throw bad(`resume.${shard.shardId} must be a sequence number.`);
        positions.push(await this.engine.reads.resolvePosition(stream, shard, 'AFTER_SEQUENCE_NUMBER', after, undefined, 'SubscribeToShard'));
      } else {
        positions.push(await this.engine.reads.resolvePosition(stream, shard, start.Type as IteratorType, start.SequenceNumber as string | undefined, start.Timestamp as number | undefined, 'SubscribeToShard'));
      }
    }
    if (!this.open) return;
    this.peer.send(
      JSON.stringify({
        type: 'subscribed',
        streamARN: stream.arn,
        streamCreatedMs: stream.createdMs,
        shards: shards.map((s, i) => ({ shardId: s.shardId, index: s.index, position: positions[i] })),
      }),
    );
    if (req.shards === undefined) {
      const type = start.Type as IteratorType;
      // Children are read from their start, or from the same time for AT_TIMESTAMP.
      const childStart = type === 'AT_TIMESTAMP' ? { type, timestamp: start.Timestamp as number } : { type: 'TRIM_HORIZON' as IteratorType };
      const listed = new Set(stream.shards.filter((s) => !isExpired(stream, s, now)).map((s) => s.shardId));
      // A parent that is no longer listed will not be read: it counts as done.
      const done = new Set(stream.shards.filter((s) => !listed.has(s.shardId)).map((s) => s.shardId));
      this.lineage = { stream, consumer, start: childStart, done, started: new Set(shards.map((s) => s.shardId)) };
    }
    shards.forEach((shard, i) => this.follow(consumer, shard, positions[i] as number));
  }

  /** Pushes `shard` from `position`; no session limit here: the subscription lasts as long as the connection. */
  private follow(consumer: Consumer, shard: Shard, position: number): void {
    const sink: PushSink = {
      push: (batch) => {
        if (!this.open) return false;
        if (batch.childShards !== null) {
          this.peer.send(JSON.stringify({ type: 'shard-end', shardId: shard.shardId, childShards: batch.childShards }));
          this.shardEnded(shard);
          return true;
        }
        this.peer.send(batch.frame); // the same frame goes to every connection at this point
        return this.peer.bufferedBytes() < HIGH_WATER_BYTES;
      },
      end: (error) => {
        if (this.open) this.peer.send(JSON.stringify({ type: 'end', shardId: shard.shardId, ...(error === null ? {} : { code: error.code, message: error.message }) }));
      },
    };
    this.subs.push(FanoutHub.for(this.engine).subscribe(consumer, shard, position, sink, 0));
  }

  /** A followed shard reached its end: its children whose parents are all done are followed next. */
  private shardEnded(shard: Shard): void {
    const lin = this.lineage;
    if (lin === null) return;
    lin.done.add(shard.shardId);
    const ready = readyChildren(lin.stream, shard, (id) => lin.done.has(id), (id) => lin.started.has(id));
    for (const child of ready) {
      lin.started.add(child.shardId);
      void this.engine.reads.resolvePosition(lin.stream, child, lin.start.type, undefined, lin.start.timestamp, 'SubscribeToShard').then(
        (position) => {
          if (!this.open) return;
          this.peer.send(JSON.stringify({ type: 'subscribed', streamARN: lin.stream.arn, streamCreatedMs: lin.stream.createdMs, shards: [{ shardId: child.shardId, index: child.index, position }] }));
          this.follow(lin.consumer, child, position);
        },
        (err: unknown) => this.error(child.shardId, isAwsError(err) ? err.code : 'InternalFailure', isAwsError(err) ? err.message : INTERNAL_FAILURE_MESSAGE),
      );
    }
  }

  private error(shardId: string | null, code: string, message: string): void {
    if (this.open) this.peer.send(JSON.stringify({ type: 'error', code, message, ...(shardId === null ? {} : { shardId }) }));
  }

  drain(): void {
    if (this.peer.bufferedBytes() >= HIGH_WATER_BYTES) return;
    for (const sub of this.subs) sub.resume();
  }

  closed(): void {
    this.open = false;
    for (const sub of this.subs.splice(0)) sub.end(null);
  }
}

function start0(req: SubscribeRequest): unknown {
  return req.startingPosition?.Type ?? 'LATEST';
}

export function pushRoute(engine: Engine): WsRoute {
  return { path: SUBSCRIBE_PATH, maxMessageBytes: MAX_MESSAGE_BYTES, open: (peer) => new PushSession(engine, peer) };
}
