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
import { AwsError } from '../../aws/errors.js';
import { native } from '../../native/index.js';
import { SCAN, SPAN_WORDS } from '../../native/ingest.js';
import { ACK_HEADER_BYTES, ackFrame, encodeError, FrameError, inflateRecords, MAX_RECORDS_PER_PUT, readPutHeader, scanError, type PutHeader } from './ingest-frames.js';

export const INGEST_PATH = '/ingest';
/**
 * A PUT frame: up to 10,000 records in at most 8 MiB - 64 KiB. The margin keeps the shard-owner
 * message built from it (3 more bytes of framing per record, 30 KB at most) under the request
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

/**
 * Record spans of the frame being handled. A frame is scanned, routed and packed into the shard
 * owners' rings synchronously inside the message callback, so one scratch array serves every
 * connection, and the frame itself (uWS's buffer, valid only during the callback) is never copied.
 */
const spans = new Uint32Array(MAX_RECORDS_PER_PUT * SPAN_WORDS);
const scanErr = new Int32Array(4);

class IngestSession {
  private inFlight = 0;
  private open = true;

  constructor(
    private readonly engine: Engine,
    private readonly peer: Peer,
  ) {}

  message(data: Uint8Array, binary: boolean): void {
    if (!binary) return this.reply(encodeError(0, 'SerializationException', 'Text frames are not part of the ingest protocol; send binary frames.'));
    const frame = Buffer.from(data.buffer, data.byteOffset, data.byteLength); // a view, not a copy
    const batchId = frame.length >= 8 ? frame.readUInt32LE(4) : 0;
    if (this.inFlight >= WINDOW) {
      return this.reply(encodeError(batchId, 'LimitExceededException', `At most ${WINDOW} PUT frames may await their ACK on one connection.`));
    }
    let head: PutHeader;
    let records = frame;
    let recordsAt: number;
    try {
      head = readPutHeader(frame);
      recordsAt = head.recordsAt;
      if (head.lz4) {
        records = inflateRecords(frame, head, MAX_FRAME_BYTES);
        recordsAt = 0;
      }
      const status = native.scanIngest(records, recordsAt, head.count, spans, scanErr);
      if (status !== SCAN.OK) throw scanError(records, status, scanErr, spans, batchId);
    } catch (err) {
      if (err instanceof FrameError || err instanceof AwsError) return this.replyError(batchId, err);
      throw err;
    }
    const ack = ackFrame(batchId, head.count);
    this.inFlight++;
    // putPacked reads the frame before its first await: everything it needs is in the rings when
    // this returns.
    this.engine.writes
      .putPacked({ name: head.streamName, arn: undefined }, records, spans, head.count, ack, ACK_HEADER_BYTES)
      .then(
        (stream) => {
          ack.writeDoubleLE(stream.createdMs, 8);
          this.reply(ack);
        },
        (err: unknown) => this.replyError(batchId, err),
      )
      .finally(() => this.inFlight--);
  }

  private replyError(batchId: number, err: unknown): void {
    if (err instanceof FrameError) return this.reply(encodeError(err.batchId, err.type, err.message));
    if (err instanceof AwsError) return this.reply(encodeError(batchId, err.code, err.message));
    console.error('riffle: ingest PUT failed:', err);
    this.reply(encodeError(batchId, 'InternalFailure', 'Internal service failure.'));
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
