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
import { descendsFrom, isExpired, isOpen, parentIdsOf, readyChildren } from '../../engine/lineage.js';
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
  private lineage: {
    stream: Stream;
    consumer: Consumer;
    start: { type: IteratorType; timestamp?: number };
    /** Per shard, where the client asked to go on after (SUBSCRIBE's `resume`). */
    resume: Record<string, string>;
    done: Set<string>;
    started: Set<string>;
  } | null = null;

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
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(data).toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.subscribed = false;
      return this.error(null, 'SerializationException', 'SUBSCRIBE must be a JSON object.');
    }
    req = parsed as SubscribeRequest;
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
    this.lineage = null;
    const start = req.startingPosition ?? { Type: 'LATEST' };
    if (typeof start.Type !== 'string' || !(ITERATOR_TYPES as readonly string[]).includes(start.Type)) throw bad(`startingPosition.Type must be one of ${ITERATOR_TYPES.join(', ')}.`);
    if (start.SequenceNumber !== undefined && typeof start.SequenceNumber !== 'string') throw bad('startingPosition.SequenceNumber must be a string.');
    if (start.Timestamp !== undefined && typeof start.Timestamp !== 'number') throw bad('startingPosition.Timestamp must be milliseconds since the epoch.');
    const resume = (req.resume ?? {}) as Record<string, unknown>;
    if (typeof resume !== 'object' || resume === null || Array.isArray(resume)) throw bad('resume must map shard ids to sequence numbers.');
    for (const [id, after] of Object.entries(resume)) {
      this.engine.streams.shard(stream, id);
      if (typeof after !== 'string' || parseSequenceNumber(after) === null) throw bad(`resume.${id} must be a sequence number.`);
    }
    const type = start.Type as IteratorType;
    let plan: Array<{ shard: Shard; child: boolean }>;
    if (req.shards === undefined) {
      const lineage = planLineage(stream, this.engine.clock.now(), type, new Set(Object.keys(resume)));
      plan = lineage.start;
      // Children are read from their start, or from the same time for AT_TIMESTAMP.
      const childStart = type === 'AT_TIMESTAMP' ? { type, timestamp: start.Timestamp as number } : { type: 'TRIM_HORIZON' as IteratorType };
      this.lineage = { stream, consumer, start: childStart, resume: resume as Record<string, string>, done: lineage.done, started: new Set(plan.map((p) => p.shard.shardId)) };
    } else if (Array.isArray(req.shards) && req.shards.length > 0 && req.shards.every((s) => typeof s === 'string')) {
      plan = (req.shards as string[]).map((id) => ({ shard: this.engine.streams.shard(stream, id), child: false }));
    } else throw bad('shards must be a non-empty list of shard ids, or absent for all shards.');
    const positions: number[] = [];
    for (const { shard, child } of plan) {
      const after = resume[shard.shardId] as string | undefined;
      if (after !== undefined) positions.push(await this.engine.reads.resolvePosition(stream, shard, 'AFTER_SEQUENCE_NUMBER', after, undefined, 'SubscribeToShard'));
      else if (child && this.lineage !== null) positions.push(await this.engine.reads.resolvePosition(stream, shard, this.lineage.start.type, undefined, this.lineage.start.timestamp, 'SubscribeToShard'));
      else positions.push(await this.engine.reads.resolvePosition(stream, shard, type, start.SequenceNumber as string | undefined, start.Timestamp as number | undefined, 'SubscribeToShard'));
    }
    if (!this.open) return;
    this.peer.send(
      JSON.stringify({
        type: 'subscribed',
        streamARN: stream.arn,
        streamCreatedMs: stream.createdMs,
        shards: plan.map((p, i) => ({ shardId: p.shard.shardId, index: p.shard.index, position: positions[i] })),
      }),
    );
    plan.forEach((p, i) => this.follow(consumer, p.shard, positions[i] as number));
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
    try {
      this.subs.push(FanoutHub.for(this.engine).subscribe(consumer, shard, position, sink, 0));
    } catch (err) {
      // A child taken over by another subscription of the consumer, a consumer going away: this
      // shard's subscription is refused, the connection and its others go on.
      this.error(shard.shardId, isAwsError(err) ? err.code : 'InternalFailure', isAwsError(err) ? err.message : INTERNAL_FAILURE_MESSAGE);
    }
  }

  /** A followed shard reached its end: its children whose parents are all done are followed next. */
  private shardEnded(shard: Shard): void {
    const lin = this.lineage;
    if (lin === null) return;
    lin.done.add(shard.shardId);
    const ready = readyChildren(lin.stream, shard, (id) => lin.done.has(id), (id) => lin.started.has(id));
    for (const child of ready) {
      lin.started.add(child.shardId);
      const after = lin.resume[child.shardId];
      const at =
        after !== undefined
          ? this.engine.reads.resolvePosition(lin.stream, child, 'AFTER_SEQUENCE_NUMBER', after, undefined, 'SubscribeToShard')
          : this.engine.reads.resolvePosition(lin.stream, child, lin.start.type, undefined, lin.start.timestamp, 'SubscribeToShard');
      void at.then(
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

/**
 * Where a subscription to the whole stream starts, following lineage. Shards no longer listed
 * (expired) count as done, and so do those the client has moved past (an ancestor of a shard it
 * resumes); from LATEST, so does every closed shard it does not resume (nothing new comes there).
 * It starts at the shards not done whose parents are: a child of a shard moved past (`child`)
 * from its start, any other from the starting position, a resumed one after its resume point.
 */
function planLineage(stream: Stream, nowMs: number, type: IteratorType, resumed: ReadonlySet<string>): { start: Array<{ shard: Shard; child: boolean }>; done: Set<string> } {
  const listed = new Set(stream.shards.filter((s) => !isExpired(stream, s, nowMs)).map((s) => s.shardId));
  const passed = new Set(stream.shards.filter((s) => listed.has(s.shardId) && !resumed.has(s.shardId) && stream.shards.some((r) => resumed.has(r.shardId) && descendsFrom(stream, r, (id) => id === s.shardId))).map((s) => s.shardId));
  const done = new Set<string>();
  for (const s of stream.shards) {
    const underResume = resumed.has(s.shardId) || descendsFrom(stream, s, (id) => resumed.has(id));
    if (!listed.has(s.shardId) || passed.has(s.shardId) || (type === 'LATEST' && !isOpen(s) && !underResume)) done.add(s.shardId);
  }
  const start = stream.shards
    .filter((s) => !done.has(s.shardId) && parentIdsOf(s).every((p) => done.has(p) || !stream.shards.some((x) => x.shardId === p)))
    .map((shard) => ({ shard, child: parentIdsOf(shard).some((p) => passed.has(p)) }));
  return { start, done };
}

export function pushRoute(engine: Engine): WsRoute {
  return { path: SUBSCRIBE_PATH, maxMessageBytes: MAX_MESSAGE_BYTES, open: (peer) => new PushSession(engine, peer) };
}
