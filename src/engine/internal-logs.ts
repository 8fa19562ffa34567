import { decodePutReply, decodeShardRecovery, encodePut, encodeShardControl, MSG, putRequestBytes, SHARD_FLAG_LOST, SHARD_FLAG_UNMETERED, STATUS, type PutAck, type PutEntry, type ShardRecovery } from '../shard/messages.js';
import type { OwnerPool } from '../shard/pool/owner-pool.js';
import { splitHashKeySpace } from './hash-key.js';
import { routingFor } from './lineage.js';
import { defaultSettings, shardIdFor, STREAM_MODE, STREAM_STATUS, type Shard, type Stream } from './model.js';
import { ownerError } from './owner-status.js';
import type { Persistence } from './persistence.js';
import type { PushRead, PushReads } from './push-reads.js';
import { formatSequenceNumber, sequencePrefix } from './sequence-number.js';

/**
 * A log a service keeps for itself on a shard owner: one unmetered shard (durable with group commit
 * like any shard, or in memory), not a stream anyone sees in ListStreams or ListShards, not counted
 * in the shard limit, not charged to Kinesis' per-shard buckets. Firehose keeps one per DirectPut
 * delivery stream, so a record is acknowledged only once it is stored.
 */
export interface InternalLog {
  /** The service's name for the log's owner, e.g. 'firehose' (its folder in the data directory). */
  readonly kind: string;
  readonly name: string;
  readonly createdMs: number;
  /** The shard's stream, for the owner messages and their errors; never registered. */
  readonly stream: Stream;
  readonly shard: Shard;
}

const NO_KEY = Buffer.alloc(0);

/** The shards of internal logs, on the same owners and group commit as the streams' shards. */
export class InternalLogs {
  /** The logs open now, by shard id, with what reopening one on a replaced owner takes. */
  private readonly live = new Map<number, { log: InternalLog; dir: string; retentionMs: number }>();

  constructor(
    private readonly pool: OwnerPool,
    private readonly persistence: Persistence,
    private readonly pushReads: PushReads,
    /** An engine-wide shard id (the stream lifecycle hands them out, so ids never collide). */
    private readonly newGid: () => number,
    private readonly account: string,
  ) {}

  /** Opens (and, durable, recovers) the log `kind`/`name` created at `createdMs`. */
  async open(kind: string, name: string, createdMs: number, retentionMs: number): Promise<{ log: InternalLog; recovery: ShardRecovery }> {
    const gid = this.newGid();
    const seqPrefix = sequencePrefix(createdMs, 0);
    const shard: Shard = {
      shardId: shardIdFor(0),
      index: 0,
      gid,
      owner: this.pool.ownerOf(gid),
      range: splitHashKeySpace(1)[0] as Shard['range'],
      startingSequenceNumber: formatSequenceNumber(seqPrefix, 0),
      seqPrefix,
      createdMs,
      demandBytes: 0,
      demandRecords: 0,
    };
    const stream: Stream = {
      name: `${kind}/${name}`,
      arn: '',
      createdMs,
      status: STREAM_STATUS.ACTIVE,
      mode: STREAM_MODE.PROVISIONED,
      retentionHours: retentionMs / 3_600_000,
      shards: [shard],
      routing: routingFor([shard]),
      tags: new Map(),
      consumers: new Map(),
      settings: defaultSettings(),
      scalingMs: [],
      timers: new Set(),
    };
    const log: InternalLog = { kind, name, createdMs, stream, shard };
    const dir = this.persistence.internalDir(kind, name, createdMs);
    const recovery = await this.pool.request(
      shard.owner,
      (id) => encodeShardControl(MSG.CREATE_SHARD, id, gid, retentionMs, 0, dir, SHARD_FLAG_UNMETERED),
      (h, r) => {
        const rec = dir === '' ? { records: 0, nextSeq: 1, truncatedBytes: 0, report: '' } : decodeShardRecovery(r);
        if (h.status !== STATUS.OK) throw ownerError(h.status, { account: this.account, stream, shard }, rec.report || undefined);
        return rec;
      },
    );
    this.live.set(gid, { log, dir, retentionMs });
    return { log, recovery };
  }

  /**
   * Appends records (data only) in one message; resolves once every one is stored (durably, for a
   * durable engine: the owner answers after its group commit), with a status (shard/messages.ts
   * STATUS) and counter per record, in order. Rejects when the owner cannot take the message.
   */
  append(log: InternalLog, records: readonly Uint8Array[]): Promise<PutAck[]> {
    const entries: PutEntry[] = records.map((data) => ({ gid: log.shard.gid, key: NO_KEY, data, orderingCounter: -1 }));
    const size = putRequestBytes(entries);
    // Encoded straight into the request ring (one copy of the data, not two).
    return this.pool.requestFilled(
      log.shard.owner,
      () => size,
      (dst, id) => encodePut(dst.subarray(0, size), id, entries),
      (_h, r) => decodePutReply(r),
    );
  }

  /** Records from counter `fromSeq`, up to `maxBytes` (at least one); with `wait`, answered after the next append when there are none. */
  read(log: InternalLog, fromSeq: number, maxBytes: number, wait: boolean): Promise<PushRead> {
    return this.pushReads.read(log.stream, log.shard, fromSeq, maxBytes, 0, wait);
  }

  /**
   * Drops the records that arrived before `cutoffMs` (the reader has consumed them; arrival times
   * never decrease in a log, so every record after the last one consumed stays). Durable logs free
   * whole segment files, all but the one being written.
   */
  async trim(log: InternalLog, cutoffMs: number): Promise<void> {
    await this.pool.request(
      log.shard.owner,
      (id) => encodeShardControl(MSG.TRIM, id, log.shard.gid, cutoffMs),
      (h) => {
        if (h.status !== STATUS.OK) throw ownerError(h.status, { account: this.account, stream: log.stream, shard: log.shard });
      },
    );
  }

  /** Closes the log in its owner and deletes its files. */
  /**
   * The logs `owner` had, each a thunk that opens it again on the owner's replacement (see
   * ShardOps.reopen), resolving true when it came back from disk, false when it is LOST (in memory),
   * and null when the log was removed meanwhile.
   */
  reopenersOn(owner: number): Array<{ name: string; reopen: () => Promise<boolean | null> }> {
    return [...this.live.values()]
      .filter(({ log }) => log.shard.owner === owner)
      .map(({ log, dir, retentionMs }) => ({
        name: log.stream.name,
        reopen: async () => {
          if (!this.live.has(log.shard.gid)) return null;
          const flags = SHARD_FLAG_UNMETERED | (dir === '' ? SHARD_FLAG_LOST : 0);
          await this.pool.restoreRequest(
            owner,
            (id) => encodeShardControl(MSG.CREATE_SHARD, id, log.shard.gid, retentionMs, 0, dir, flags),
            (h, r) => {
              const report = dir === '' ? '' : decodeShardRecovery(r).report;
              if (h.status !== STATUS.OK) throw ownerError(h.status, { account: this.account, stream: log.stream, shard: log.shard }, report || undefined);
            },
          );
          return dir !== '';
        },
      }));
  }

  async remove(log: InternalLog): Promise<void> {
    this.live.delete(log.shard.gid);
    await this.pool.request(
      log.shard.owner,
      (id) => encodeShardControl(MSG.DELETE_SHARD, id, log.shard.gid),
      () => undefined,
    );
    this.persistence.removeInternal(log.kind, log.name, log.createdMs);
  }
}
