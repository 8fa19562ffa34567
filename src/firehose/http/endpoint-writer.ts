import { randomUUID } from 'node:crypto';
import type { TakenBatch } from '../delivery/batch.js';
import type { Clock } from '../delivery/object-writer.js';
import { EndpointPoster } from './poster.js';
import { backoffMs, buildRequest, encodeRecords, judgeResponse, REQUEST_BODY_BYTES_MAX, REQUEST_RECORDS_MAX, type EndpointRequestSettings } from './protocol.js';
import { Pause } from '../delivery/pause.js';

/**
 * Delivers a batch to an HTTP endpoint as Firehose does: in requests of at most 10,000 records and
 * 64 MiB, one after another, each with a request id kept across its retries; a request that fails
 * is tried again with AWS's backoff until RetryOptions.DurationInSeconds have been spent waiting to
 * retry (AWS: the duration "doesn't include the periods during which Firehose waits for
 * acknowledgment"), and then given up: its records are reported for the S3 backup (error output
 * type http-endpoint-failed). A 413 is given up at once and, as AWS does, not backed up.
 */

export interface EndpointWriterSettings extends EndpointRequestSettings {
  url: string;
  /** For the server log. */
  streamName: string;
  /** RetryOptions.DurationInSeconds, in ms (0: no retry). */
  retryMs: number;
  /** How long an attempt may wait for its answer (AWS: 3 minutes). */
  timeoutMs?: number;
}

/** Records of a batch that did not reach the endpoint: [first, first + count) in the batch's order. */
export interface FailedRun {
  first: number;
  count: number;
  attempts: number;
  /**
   * The error record's errorCode, with AWS's HTTP endpoint troubleshooting names:
   * HttpEndpoint.DestinationException (an answer other than 200), InvalidResponseFromDestination (a
   * 200 that is not the answer the spec asks), ResponseTooLarge, RequestTimeout, ConnectionReset,
   * SSLHandshakeFailure; HttpEndpoint.ConnectionFailed (refused, unreachable) is Riffle's.
   */
  errorCode: string;
  errorMessage: string;
  /** When the last attempt ended (engine ms): attemptEndingTimestamp. */
  endedMs: number;
}

export interface EndpointOutcome {
  delivered: number;
  /** Given up after the retry window: for the S3 backup. */
  failed: FailedRun[];
  /** Refused for good (413): not retried, not backed up. */
  refused: FailedRun[];
  /** Stopped (the delivery stream went away, or the server is shutting down) before every request was answered. */
  stopped: boolean;
}

/** Requests of a batch: [first, end) record ranges, each within the request limits. */
export function requestRanges(lengths: Uint32Array): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let first = 0;
  let size = 128; // {"requestId":"<uuid>","timestamp":<ms>,"records":[]}: 91 bytes, with room
  for (let i = 0; i < lengths.length; i++) {
    const bytes = 4 * Math.ceil(lengths[i]! / 3) + 12; // {"data":"<base64>"},
    if (i > first && (i - first >= REQUEST_RECORDS_MAX || size + bytes > REQUEST_BODY_BYTES_MAX)) {
      ranges.push([first, i]);
      first = i;
      size = 128;
    }
    size += bytes;
  }
  if (lengths.length > first) ranges.push([first, lengths.length]);
  return ranges;
}

/** The error code of an attempt that got no answer. */
function networkCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (/no answer within/.test(e.message)) return 'HttpEndpoint.RequestTimeout';
  if (e.code === 'ECONNRESET' || e.message === 'aborted' || e.code === 'EPIPE') return 'HttpEndpoint.ConnectionReset';
  if (/^ERR_SSL|^ERR_TLS|CERT|EPROTO/.test(e.code ?? '')) return 'HttpEndpoint.SSLHandshakeFailure';
  return 'HttpEndpoint.ConnectionFailed';
}

export class EndpointWriter {
  private stopped = false;
  private readonly pause = new Pause();
  private readonly poster: EndpointPoster;

  constructor(
    private readonly settings: EndpointWriterSettings,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
    /** Each attempt, and whether it delivered (DeliveryToHttpEndpoint.Success counts them). */
    private readonly attempted: (delivered: boolean, records: number) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {
    this.poster = new EndpointPoster(settings.url, settings.timeoutMs);
  }

  async write(batch: TakenBatch): Promise<EndpointOutcome> {
    const lengths = batch.lengths;
    if (lengths === undefined) throw new Error('an HTTP endpoint delivery needs the records apart (Batch keepLengths)');
    const records: Uint8Array[] = [];
    let at = 0;
    for (const n of lengths) {
      records.push(batch.body.subarray(at, at + n));
      at += n;
    }
    const outcome: EndpointOutcome = { delivered: 0, failed: [], refused: [], stopped: false };
    for (const [first, end] of requestRanges(lengths)) {
      if (this.stopped) return { ...outcome, stopped: true };
      const run = await this.send(records.slice(first, end), first);
      if (run === 'delivered') outcome.delivered += end - first;
      else if (run === 'stopped') return { ...outcome, stopped: true };
      else (run.refused ? outcome.refused : outcome.failed).push(run.failed);
    }
    return outcome;
  }

  /** One request, tried until it is delivered, refused for good, or its retry window has passed. */
  private async send(records: Uint8Array[], first: number): Promise<'delivered' | 'stopped' | { failed: FailedRun; refused: boolean }> {
    const requestId = randomUUID();
    const encoded = encodeRecords(records); // once for all attempts: only the timestamp changes
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return 'stopped';
      const req = await buildRequest(this.settings, requestId, this.clock.now(), encoded);
      let verdict: { kind: 'delivered' } | { kind: 'retry' | 'permanent'; reason: string; code: string };
      try {
        verdict = judgeResponse(requestId, await this.poster.post(req));
      } catch (err) {
        verdict = { kind: 'retry', reason: `The endpoint did not answer (${(err as Error).message}).`, code: networkCode(err) };
      }
      // Stopped while the request was out (the poster was closed): not an attempt that failed.
      if (this.stopped) return 'stopped';
      this.attempted(verdict.kind === 'delivered', records.length);
      if (verdict.kind === 'delivered') return 'delivered';
      const now = this.clock.now();
      const { code, reason } = verdict;
      const failed = (): FailedRun => ({ first, count: records.length, attempts: attempt, errorCode: code, errorMessage: reason, endedMs: now });
      if (verdict.kind === 'permanent') return { failed: failed(), refused: true };
      if (waitedMs >= this.settings.retryMs) return { failed: failed(), refused: false };
      if (attempt === 1 || attempt % 20 === 0) this.log(`riffle: firehose ${this.settings.streamName}: ${reason} Retrying (attempt ${attempt}).`);
      const waitMs = Math.min(backoffMs(attempt, this.random), this.settings.retryMs - waitedMs);
      waitedMs += waitMs;
      await this.pause.for(waitMs);
    }
  }

  stop(): void {
    this.stopped = true;
    this.pause.wakeUp();
    this.poster.close();
  }
}
