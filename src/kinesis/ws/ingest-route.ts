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
import { AwsError, INTERNAL_FAILURE_MESSAGE } from '../../aws/errors.js';
import type { WsPeer, WsRoute, WsSession } from '../../aws/ws.js';
import { INGEST_FRAME_BYTES_MAX, INGEST_RECORDS_MAX } from '../../limits.js';
import { checkSpanSizes } from '../record-size.js';
import { native } from '../../native/index.js';
import { SCAN, SPAN_WORDS } from '../../native/ingest.js';
import { ACK_HEADER_BYTES, ackFrame, encodeError, FrameError, inflateRecords, readPutHeader, scanError, type PutHeader } from './ingest-frames.js';

export const INGEST_PATH = '/ingest';
export const WINDOW = 128;
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** WebSocket close code 1008: policy violation. */
const POLICY_VIOLATION = 1008;

/**
 * Record spans of the frame being handled. A frame is scanned, routed and packed into the shard
 * owners' rings synchronously inside the message callback, so one scratch array serves every
 * connection, and the frame itself (uWS's buffer, valid only during the callback) is never copied.
 */
const spans = new Uint32Array(INGEST_RECORDS_MAX * SPAN_WORDS);
const scanErr = new Int32Array(4);

class IngestSession implements WsSession {
  private inFlight = 0;
  private open = true;

  constructor(
    private readonly engine: Engine,
    private readonly peer: WsPeer,
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
        records = inflateRecords(frame, head, INGEST_FRAME_BYTES_MAX);
        recordsAt = 0;
      }
      const status = native.scanIngest(records, recordsAt, head.count, spans, scanErr);
      if (status !== SCAN.OK) throw scanError(records, status, scanErr, spans, batchId);
      // The stream's own maximum record size (the scan took anything up to RECORD_BYTES_LIMIT).
      checkSpanSizes(this.engine.streams.readable({ name: head.streamName, arn: undefined }), spans, head.count, false);
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
    this.reply(encodeError(batchId, 'InternalFailure', INTERNAL_FAILURE_MESSAGE));
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

/**
 * The route the uWS endpoint serves at /ingest. A PUT frame holds up to INGEST_RECORDS_MAX records
 * in at most INGEST_FRAME_BYTES_MAX (12 MiB - 64 KiB), so the owner message built from it fits
 * half the request ring (checked at start: shard/pool/ring-limits.ts).
 */
export function ingestRoute(engine: Engine): WsRoute {
  return { path: INGEST_PATH, maxMessageBytes: INGEST_FRAME_BYTES_MAX, open: (peer) => new IngestSession(engine, peer) };
}
