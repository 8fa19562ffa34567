import { randomBytes } from 'node:crypto';
import { HttpTransport } from '../client/http-transport.js';
import { BatchError, type OutRecord, type Transport } from '../client/transport.js';
import { WsTransport } from '../client/ws-transport.js';
import { INGEST_RECORDS_MAX, PUT_RECORDS_BYTES_MAX, PUT_RECORDS_MAX, RECORD_BYTES_MAX } from '../limits.js';
import { flag, helpText, num, parseArgs, str, UsageError, type OptionTable } from './args.js';
import { keyPicker, prng } from './key-dist.js';
import { Latencies } from './latency.js';
import { SdkTransport } from './sdk-transport.js';
import { fmtCount } from './stats-source.js';
import { TARGET_OPTIONS, targetOf, type Target } from './target.js';

const OPTIONS: OptionTable = {
  ...TARGET_OPTIONS,
  rate: { kind: 'number', min: 1, max: 1e8, help: 'records per second to send, whatever the answers (default 1000)' },
  bytes: { kind: 'number', min: 1, max: RECORD_BYTES_MAX, help: 'data bytes per record (default 100)' },
  seconds: { kind: 'number', min: 0.1, max: 86_400, help: 'how long to send (default 10)' },
  keys: { kind: 'string', help: 'partition keys: uniform:N | zipf:N,s | hot:P (default uniform:1000)' },
  transport: { kind: 'string', help: 'sdk (AWS SDK v3, default) | http (PutRecords over keep-alive HTTP/1.1) | ws (Riffle binary WebSocket ingest)' },
  'stream-endpoint': { kind: 'string', help: "--transport ws: Riffle's stream port (default: the endpoint's host, port + 1)" },
  batch: { kind: 'number', min: 1, max: INGEST_RECORDS_MAX, help: `records per request at most (default ${PUT_RECORDS_MAX}; ws up to ${INGEST_RECORDS_MAX})` },
  'in-flight': { kind: 'number', min: 1, max: 4096, help: 'requests waiting for an answer at most; records due past it are counted as skipped (default 64)' },
  seed: { kind: 'number', min: 0, max: 2 ** 32 - 1, help: 'seed of the key choice (default 1)' },
  quiet: { kind: 'flag', help: 'no progress on standard error' },
};

export const LOAD_HELP = helpText(
  'riffle load <stream> [options]',
  'An open-loop load generator: sends --rate records/s for --seconds whatever the answers (throttled records are counted, not sent again), shows progress (achieved rate, throttled, latency percentiles) on standard error, and prints a JSON summary on standard output.',
  OPTIONS,
);

const TICK_MS = 5;

function transportOf(name: string, target: Target, p: ReturnType<typeof parseArgs>, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | null): Transport {
  if (name === 'sdk') return new SdkTransport(target.kinesis);
  if (target.endpoint === undefined && name !== 'http') throw new UsageError(`--transport ${name} needs an --endpoint URL (it is Riffle's)`);
  const signing = credentials === null || target.region === undefined ? undefined : { credentials, region: target.region };
  if (name === 'http') {
    if (target.endpoint === undefined) throw new UsageError('--transport http needs an --endpoint URL');
    return new HttpTransport(target.endpoint, 32, { signing });
  }
  if (name === 'ws') {
    let ws = str(p, 'stream-endpoint');
    if (ws === undefined) {
      const url = new URL(target.endpoint!);
      ws = `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.hostname}:${Number(url.port || (url.protocol === 'https:' ? 443 : 80)) + 1}`;
    }
    return new WsTransport(ws, { signing });
  }
  throw new UsageError(`--transport ${JSON.stringify(name)}: sdk, http or ws`);
}

export async function loadCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, 1);
  if (p.help) return void process.stdout.write(LOAD_HELP);
  const stream = p.positional[0];
  if (stream === undefined) throw new UsageError('name the stream: riffle load <stream>');
  const rate = num(p, 'rate', 1000);
  const bytes = num(p, 'bytes', 100);
  const seconds = num(p, 'seconds', 10);
  const keysSpec = str(p, 'keys') ?? 'uniform:1000';
  const random = prng(num(p, 'seed', 1));
  const nextKey = keyPicker(keysSpec, random);
  const transportName = str(p, 'transport') ?? 'sdk';
  const batchMax = Math.min(num(p, 'batch', PUT_RECORDS_MAX), transportName === 'ws' ? INGEST_RECORDS_MAX : PUT_RECORDS_MAX, Math.max(1, Math.floor(PUT_RECORDS_BYTES_MAX / (bytes + 16))));
  const inFlightMax = num(p, 'in-flight', 64);
  const quiet = flag(p, 'quiet');
  const target = targetOf(p);
  // The http and ws transports sign by themselves, with what the SDK's chain resolved (placeholder
  // keys for a loopback endpoint with none: a server without --auth sigv4 takes any).
  const credentials = transportName === 'sdk' ? null : await target.credentials().catch(() => null);
  const transport = transportOf(transportName, target, p, credentials);
  const data = randomBytes(bytes);

  let scheduled = 0;
  let sent = 0;
  let stored = 0;
  let throttled = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  const errors = new Map<string, number>();
  const timeline: Array<{ second: number; stored: number; throttled: number }> = [];
  const latencies = new Latencies(random);
  let windowMs: number[] = []; // this second's latencies, for the progress line
  const bucket = (t: number) => {
    const s = Math.floor(t / 1000);
    while (timeline.length <= s) timeline.push({ second: timeline.length, stored: 0, throttled: 0 });
    return timeline[s]!;
  };
  const fail = (code: string, n: number) => errors.set(code, (errors.get(code) ?? 0) + n);

  const started = performance.now();
  const durationMs = seconds * 1000;
  const requests = new Set<Promise<void>>();
  const sendBatch = (n: number): void => {
    const records: OutRecord[] = new Array(n);
    for (let i = 0; i < n; i++) records[i] = { partitionKey: nextKey(), data };
    sent += n;
    inFlight++;
    const t0 = performance.now();
    const request = transport.send(stream, records).then(
      (outcomes) => {
        const ms = performance.now() - t0;
        latencies.add(ms);
        if (windowMs.length < 100_000) windowMs.push(ms);
        const b = bucket(performance.now() - started);
        for (const o of outcomes) {
          if (o.ok) {
            stored++;
            b.stored++;
          } else if (o.errorCode === 'ProvisionedThroughputExceededException') {
            throttled++;
            b.throttled++;
          } else {
            failed++;
            fail(o.errorCode, 1);
          }
        }
      },
      (err: unknown) => {
        failed += n;
        fail(err instanceof BatchError ? err.code : ((err as NodeJS.ErrnoException).code ?? (err as Error).name), n);
      },
    );
    const tracked: Promise<void> = request.finally(() => {
      inFlight--;
      requests.delete(tracked);
    });
    requests.add(tracked);
  };

  let lastProgress = started;
  const progress = (final: boolean): void => {
    if (quiet) return;
    const now = performance.now();
    const elapsed = Math.min(durationMs, now - started) / 1000;
    const width = 20;
    const done = Math.round((width * elapsed) / seconds);
    const recent = timeline.at(-2) ?? timeline.at(-1);
    const sorted = windowMs.sort((a, b) => a - b);
    const pct = (q: number) => (sorted.length === 0 ? 0 : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10);
    const w = { p50: pct(0.5), p99: pct(0.99) };
    windowMs = [];
    const line = `riffle load: [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${elapsed.toFixed(1)}/${seconds} s  ${fmtCount(recent?.stored ?? 0)} rec/s stored  ${fmtCount(throttled)} throttled  ${fmtCount(failed)} failed  p50 ${w.p50} ms  p99 ${w.p99} ms`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
    lastProgress = now;
  };

  try {
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const elapsed = Math.min(durationMs, performance.now() - started);
        let due = Math.floor((rate * elapsed) / 1000) - scheduled;
        while (due > 0) {
          if (inFlight >= inFlightMax) {
            // Open loop: what cannot be sent now is not queued (memory stays bounded), it is counted.
            skipped += due;
            scheduled += due;
            break;
          }
          const n = Math.min(due, batchMax);
          sendBatch(n);
          scheduled += n;
          due -= n;
        }
        if (performance.now() - lastProgress >= 1000) progress(false);
        if (elapsed >= durationMs) return resolve();
        setTimeout(tick, TICK_MS);
      };
      tick();
    });
    await Promise.allSettled([...requests]);
    progress(true);
  } finally {
    await transport.close();
    target.kinesis.destroy();
  }
  const summary = {
    stream,
    transport: transportName,
    rate,
    seconds,
    bytes,
    keys: keysSpec,
    sent,
    stored,
    throttled,
    failed,
    skipped,
    achievedRate: Math.round((stored / seconds) * 10) / 10,
    requests: latencies.count,
    latencyMs: latencies.summary(),
    errors: Object.fromEntries(errors),
    timeline,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  // Nothing stored (no such stream, the server down, every record throttled): a failed run.
  if (stored === 0 && sent > 0) {
    const why = [...errors].map(([code, n]) => `${code} × ${n}`);
    if (throttled > 0) why.push(`ProvisionedThroughputExceededException × ${throttled}`);
    process.stderr.write(`riffle load: nothing was stored (${why.join(', ')})\n`);
    process.exitCode = 1;
  }
}
