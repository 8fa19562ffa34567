import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { RETRYABLE_CODES } from '../client/transport.js';
import { PARTITION_KEY_CHARS_MAX, PUT_RECORDS_BYTES_MAX, PUT_RECORDS_MAX, RECORD_BYTES_LIMIT } from '../limits.js';
import { flag, helpText, num, parseArgs, str, UsageError, type OptionTable } from './args.js';
import { TARGET_OPTIONS, targetOf } from './target.js';

const OPTIONS: OptionTable = {
  ...TARGET_OPTIONS,
  key: { kind: 'string', help: 'the partition key of every record (default: a random key per record, spread over the shards)' },
  'key-field': { kind: 'string', help: "each line is JSON: its field of this name (a.b for nested) is the record's key" },
  'keep-empty': { kind: 'flag', help: 'put empty lines too (skipped by default)' },
  retries: { kind: 'number', min: 0, max: 100, help: 'times a throttled or failed record is sent again, with backoff (default 10)' },
};

export const PUT_HELP = helpText(
  'riffle put <stream> [options] < lines',
  'Puts each line of standard input as one record (its text, without the newline), in PutRecords batches sent as lines come; throttled records are sent again. Prints what was stored on standard error; exits 1 if a record could not be stored.',
  OPTIONS,
);

/** A whole PutRecords refused for one of its records: the batch is sent again record by record. */
const BAD_RECORD_ERRORS = new Set(['ValidationException', 'InvalidArgumentException']);

/** A line becomes a record after this long without another (a slow pipe is not held back). */
const LINGER_MS = 50;
/** Lines read ahead of the batches being sent at most; the input is paused past it. */
const PENDING_MAX = 5 * PUT_RECORDS_MAX;

function fieldOf(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

export async function putCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, 1);
  if (p.help) return void process.stdout.write(PUT_HELP);
  const stream = p.positional[0];
  if (stream === undefined) throw new UsageError('name the stream: riffle put <stream> < lines');
  const fixedKey = str(p, 'key');
  const keyField = str(p, 'key-field');
  if (fixedKey !== undefined && keyField !== undefined) throw new UsageError('--key and --key-field: one or the other');
  if (fixedKey !== undefined && (fixedKey.length < 1 || fixedKey.length > PARTITION_KEY_CHARS_MAX)) throw new UsageError(`--key: 1 to ${PARTITION_KEY_CHARS_MAX} characters`);
  // A name Kinesis refuses would fail every batch alike: said once, here.
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(stream)) throw new UsageError(`${JSON.stringify(stream)} is not a stream name (1 to 128 of a-z, A-Z, 0-9, _ . -)`);
  const keepEmpty = flag(p, 'keep-empty');
  const retries = num(p, 'retries', 10);
  const target = targetOf(p);

  let lineNo = 0;
  let stored = 0;
  let retried = 0;
  const failures: string[] = [];
  const pending: Array<{ entry: PutRecordsRequestEntry; line: number }> = [];
  let timer: NodeJS.Timeout | null = null;
  /** Records in batches queued or being sent: the input pauses while they and `pending` reach PENDING_MAX. */
  let queued = 0;
  let sending: Promise<void> = Promise.resolve();
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });

  const send = async (batch: Array<{ entry: PutRecordsRequestEntry; line: number }>): Promise<void> => {
    let todo = batch;
    for (let attempt = 0; todo.length > 0; attempt++) {
      let out;
      try {
        out = await target.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: todo.map((t) => t.entry) }));
      } catch (err) {
        // A record the stream refuses (larger than its maximum record size) fails the whole call:
        // each record is then sent alone, so only the bad line fails, by its number.
        if (!BAD_RECORD_ERRORS.has((err as Error).name)) throw err;
        if (todo.length === 1) {
          failures.push(`line ${todo[0]!.line}: ${(err as Error).name}: ${(err as Error).message}`);
          return;
        }
        // The first record alone: if it fails the same way, the error is the call's, not a record's.
        const alone = await target.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [todo[0]!.entry] })).then(
          () => null,
          (e: Error) => e,
        );
        if (alone !== null && alone.name === (err as Error).name && alone.message === (err as Error).message) throw err;
        if (alone === null) stored++;
        else failures.push(`line ${todo[0]!.line}: ${alone.name}: ${alone.message}`);
        for (const one of todo.slice(1)) await send([one]);
        return;
      }
      const again: typeof todo = [];
      (out.Records ?? []).forEach((r, i) => {
        if (r.SequenceNumber !== undefined) stored++;
        else if (attempt < retries && RETRYABLE_CODES.has(r.ErrorCode ?? '')) again.push(todo[i]!);
        else failures.push(`line ${todo[i]!.line}: ${r.ErrorCode}: ${r.ErrorMessage}`);
      });
      retried += again.length;
      todo = again;
      if (todo.length > 0) await new Promise((res) => setTimeout(res, Math.min(2000, 50 * 2 ** attempt)));
    }
  };
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    while (pending.length > 0) {
      const batch: typeof pending = [];
      let bytes = 0;
      while (pending.length > 0 && batch.length < PUT_RECORDS_MAX) {
        const next = pending[0]!;
        const size = (next.entry.Data?.length ?? 0) + Buffer.byteLength(next.entry.PartitionKey ?? '');
        if (batch.length > 0 && bytes + size > PUT_RECORDS_BYTES_MAX) break;
        bytes += size;
        batch.push(pending.shift()!);
      }
      queued += batch.length;
      sending = sending.then(() => send(batch)).finally(() => {
        queued -= batch.length;
        if (queued + pending.length < PENDING_MAX) input.resume();
      });
      // Handled when the input ends (the command fails with it); not an unhandled rejection meanwhile.
      sending.catch(() => input.close());
    }
  };

  input.on('line', (text) => {
    lineNo++;
    if (text === '' && !keepEmpty) return;
    let key = fixedKey;
    if (keyField !== undefined) {
      let value: unknown;
      try {
        value = fieldOf(JSON.parse(text), keyField);
      } catch {
        failures.push(`line ${lineNo}: not JSON, so it has no field ${keyField}`);
        return;
      }
      if (value === undefined || value === null || value === '') {
        failures.push(`line ${lineNo}: no field ${keyField}`);
        return;
      }
      key = typeof value === 'string' ? value : JSON.stringify(value);
    }
    const partitionKey = key ?? randomBytes(8).toString('hex');
    // What no stream takes is refused here, by its line (the stream's own record size limit, 1 to
    // 10 MiB, is the server's to say: such a record fails alone, by its line, when sent).
    if (partitionKey.length < 1 || partitionKey.length > PARTITION_KEY_CHARS_MAX) {
      failures.push(`line ${lineNo}: the key is ${partitionKey.length} characters; Kinesis takes 1 to ${PARTITION_KEY_CHARS_MAX}`);
      return;
    }
    const data = Buffer.from(text, 'utf8');
    if (data.length + Buffer.byteLength(partitionKey) > RECORD_BYTES_LIMIT) {
      failures.push(`line ${lineNo}: ${data.length} bytes; a record is at most ${RECORD_BYTES_LIMIT} bytes of data and key`);
      return;
    }
    pending.push({ entry: { PartitionKey: partitionKey, Data: data }, line: lineNo });
    if (pending.length >= PUT_RECORDS_MAX) flush();
    else timer ??= setTimeout(flush, LINGER_MS);
    if (queued + pending.length >= PENDING_MAX) input.pause();
  });
  let fatal: unknown = null;
  try {
    await new Promise<void>((resolve) => input.once('close', resolve));
    flush();
    // Every batch queued so far, including those queued while earlier ones were sent.
    let last: Promise<void>;
    do await (last = sending);
    while (last !== sending);
  } catch (err) {
    fatal = err; // the whole call was refused (no such stream, a refused signature): said below, after what was stored
  } finally {
    target.kinesis.destroy();
  }
  for (const f of failures) process.stderr.write(`riffle put: ${f}\n`);
  const notStored = failures.length > 0 ? `; ${failures.length} not stored${fatal !== null ? ', nor the rest' : ''}` : fatal !== null ? '; the rest not stored' : '';
  process.stderr.write(`riffle put: ${stored} record(s) stored in ${stream}${retried > 0 ? ` (${retried} sent again after throttling)` : ''}${notStored}\n`);
  if (fatal !== null) throw fatal;
  if (failures.length > 0) process.exitCode = 1;
}
