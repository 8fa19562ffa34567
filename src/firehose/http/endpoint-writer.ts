import { randomUUID } from 'node:crypto';
import type { TakenBatch } from '../delivery/batch.js';
import type { Clock } from '../delivery/object-writer.js';
import { EndpointPoster } from './poster.js';
import { backoffMs, buildRequest, judgeResponse, REQUEST_BODY_BYTES_MAX, REQUEST_RECORDS_MAX, type EndpointRequestSettings } from './protocol.js';

/**
 * Delivers a batch to an HTTP endpoint as Firehose does: in requests of at most 10,000 records and
 * 64 MiB, one after another, each with a request id kept across its retries; a request that fails
 * is tried again with AWS's backoff until RetryOptions.DurationInSeconds have passed since its first
 * failure (the clock is the engine's), and then given up: its records are reported for the S3
 * backup (error output type http-endpoint-failed). A 413 is given up at once and, as AWS does,
 * not backed up.
 */

export interface EndpointWriterSettings extends EndpointRequestSettings {
  url: string;
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
   * The error record's errorCode: HttpEndpoint.DestinationException when the endpoint answered (the
   * code AWS's documented example shows); HttpEndpoint.RequestTimeout or HttpEndpoint.ConnectionFailed
   * when it did not (Riffle's names: AWS documents no others).
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
  let size = 64; // {"requestId":...,"timestamp":...,"records":[]}
  for (let i = 0; i < lengths.length; i++) {
    const bytes = 4 * Math.ceil(lengths[i]! / 3) + 12; // {"data":"<base64>"},
    if (i > first && (i - first >= REQUEST_RECORDS_MAX || size + bytes > REQUEST_BODY_BYTES_MAX)) {
      ranges.push([first, i]);
      first = i;
      size = 64;
    }
    size += bytes;
  }
  if (lengths.length > first) ranges.push([first, lengths.length]);
  return ranges;
}

export class EndpointWriter {
  private stopped = false;
  private wake: (() => void) | null = null;
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
    let firstFailureMs = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return 'stopped';
      const req = buildRequest(this.settings, requestId, this.clock.now(), records);
      let verdict: { kind: 'delivered' } | { kind: 'retry' | 'permanent'; reason: string; code: string };
      try {
        const judged = judgeResponse(requestId, await this.poster.post(req));
        verdict = judged.kind === 'delivered' ? judged : { ...judged, code: 'HttpEndpoint.DestinationException' };
      } catch (err) {
        verdict = { kind: 'retry', reason: `the endpoint did not answer (${(err as Error).message})`, code: /no answer within/.test((err as Error).message) ? 'HttpEndpoint.RequestTimeout' : 'HttpEndpoint.ConnectionFailed' };
      }
      this.attempted(verdict.kind === 'delivered', records.length);
      if (verdict.kind === 'delivered') return 'delivered';
      const now = this.clock.now();
      const { code, reason } = verdict;
      const failed = (): FailedRun => ({ first, count: records.length, attempts: attempt, errorCode: code, errorMessage: reason, endedMs: now });
      if (verdict.kind === 'permanent') return { failed: failed(), refused: true };
      if (firstFailureMs === 0) firstFailureMs = now;
      if (now - firstFailureMs >= this.settings.retryMs) return { failed: failed(), refused: false };
      if (attempt === 1 || attempt % 20 === 0) this.log(`riffle: firehose ${this.settings.sourceArn}: ${reason}; retrying (attempt ${attempt})`);
      await this.pause(Math.min(backoffMs(attempt, this.random), Math.max(0, firstFailureMs + this.settings.retryMs - now)));
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      t.unref();
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    this.poster.close();
  }
}
