/**
 * The WebSocket ingest route (docs/ws-protocol.md): binary PUT frames in, one ACK or ERROR frame
 * out per PUT, in completion order, correlated by batch id. The same limits and errors as
 * PutRecords apply per record; a bad frame gets an ERROR frame and the connection stays open.
 *
 * Memory per connection is bounded: at most WINDOW batches in flight (a PUT past that is refused
 * with LimitExceededException, not queued), so queued ACKs are bounded too; a peer that lets
 * server-side buffered output pass MAX_BUFFERED_BYTES without reading is disconnected.
 */
import type { Engine } from '../../engine/engine.js';
import type { PutResult } from '../../engine/records.js';
import { KinesisError } from '../../errors.js';
import { checkRecordSize } from '../record-size.js';
import { RECORD_BYTES_MAX } from '../shapes.js';
import { ACK_STATUS, decodePut, encodeAck, encodeError, FrameError, type AckEntry, type DecodedPut } from './frames.js';

export const INGEST_PATH = '/ingest';
/**
 * A PUT frame: up to 10,000 records in at most 8 MiB - 64 KiB. The margin keeps the shard-owner
 * message built from it (5 more bytes of framing per record, 50 KB at most) under the request
 * ring's 8 MiB message limit (shard/owner-pool.ts REQUEST_RING_BYTES / 2).
 */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024 - 64 * 1024;
export const WINDOW = 128;
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** WebSocket close code 1008: policy violation. */
const POLICY_VIOLATION = 1008;

// Structurally the server's WsPeer/WsSession/WsRoute (api does not import server/).
interface Peer {
  send(message: Uint8Array): void;
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

function validationError(i: number, value: string, constraint: string): KinesisError {
  return new KinesisError('ValidationException', `1 validation error detected: Value ${value} at 'records.${i + 1}.member.${constraint}`);
}

/** The PutRecords per-record rules, for binary records (keys as decoded text, data as bytes). */
function checkRecords(put: DecodedPut): void {
  put.records.forEach((r, i) => {
    if (r.partitionKey.length < 1 || r.partitionKey.length > 256) {
      const bound = r.partitionKey.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 256';
      throw validationError(i, `'${r.partitionKey}'`, `partitionKey' failed to satisfy constraint: Member must have length ${bound}`);
    }
    if (r.data.length > RECORD_BYTES_MAX) {
      const n = r.data.length;
      throw validationError(i, `'java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]'`, `data' failed to satisfy constraint: Member must have length less than or equal to ${RECORD_BYTES_MAX}`);
    }
    checkRecordSize(r.partitionKey, r.data);
  });
}

function ackStatus(r: PutResult): number {
  if (r.ok) return ACK_STATUS.OK;
  return r.errorCode === 'ProvisionedThroughputExceededException' ? ACK_STATUS.THROTTLED : ACK_STATUS.INTERNAL;
}

class IngestSession {
  private inFlight = 0;
  private open = true;

  constructor(
    private readonly engine: Engine,
    private readonly peer: Peer,
  ) {}

  message(data: Uint8Array, binary: boolean): void {
    if (!binary) return this.reply(encodeError(0, 'SerializationException', 'Text frames are not part of the ingest protocol; send binary frames.'));
    const batchId = data.length >= 8 ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32LE(4) : 0;
    if (this.inFlight >= WINDOW) {
      return this.reply(encodeError(batchId, 'LimitExceededException', `At most ${WINDOW} PUT frames may await their ACK on one connection.`));
    }
    let put: DecodedPut;
    try {
      put = decodePut(Buffer.from(data)); // a copy: `data` dies with this callback
    } catch (err) {
      if (err instanceof FrameError) return this.reply(encodeError(err.batchId, err.type, err.message));
      throw err;
    }
    this.inFlight++;
    this.put(put)
      .then(
        (ack) => this.reply(ack),
        (err: unknown) => {
          if (err instanceof KinesisError) return this.reply(encodeError(put.batchId, err.code, err.message));
          console.error('riffle: ingest PUT failed:', err);
          return this.reply(encodeError(put.batchId, 'InternalFailure', 'Internal service failure.'));
        },
      )
      .finally(() => this.inFlight--);
  }

  private async put(put: DecodedPut): Promise<Buffer> {
    checkRecords(put);
    const { stream, results } = await this.engine.records.putRecords(
      { name: put.streamName, arn: undefined },
      put.records.map((r) => ({ partitionKey: r.partitionKey, data: r.data, explicitHashKey: r.explicitHashKey })),
    );
    const entries: AckEntry[] = results.map((r) => ({
      status: ackStatus(r),
      shardIndex: r.ok ? r.shard.index : 0,
      counter: r.ok ? r.counter : 0,
    }));
    return encodeAck(put.batchId, stream.createdMs, entries);
  }

  private reply(frame: Uint8Array): void {
    if (!this.open) return;
    if (this.peer.bufferedBytes() > MAX_BUFFERED_BYTES) {
      this.open = false;
      this.peer.close(POLICY_VIOLATION, 'Reader too slow: server-side send buffer over 64 MiB');
      return;
    }
    this.peer.send(frame);
  }

  drain(): void {
    // Nothing waits for a drain: the window already bounds what is queued.
  }

  closed(): void {
    this.open = false;
  }
}

/** The route the uWS endpoint serves at /ingest. */
export function ingestRoute(engine: Engine): { path: string; maxMessageBytes: number; open(peer: Peer): IngestSession } {
  return { path: INGEST_PATH, maxMessageBytes: MAX_FRAME_BYTES, open: (peer) => new IngestSession(engine, peer) };
}
