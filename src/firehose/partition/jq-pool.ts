// The main thread's side of jq (jq-worker.ts): MetadataExtractionQuery run over records in worker
// threads, many records per run. Bounded: `threads` running; what waits is what the stages send.
import { Piscina } from 'piscina';
import type { Extracted, JqTask } from './jq-worker.js';
import { RunDeadline } from '../run-deadline.js';

const WORKER_URL = new URL('./jq-worker.js', import.meta.url);

export type { Extracted };
/** A jq run that takes longer is ended with its thread, and its records fail (a query that never ends must not stall delivery). */
const RUN_TIMEOUT_MS = 30_000;
/**
 * The builtins that read other inputs than the record, or end jq, redefined in front of every
 * query as variables that do not exist: a query that calls one does not compile (jq decides what
 * is a call: `.input`, `{input: …}`, a comment or the query's own `def input` are not), so each
 * record's keys come from that record alone.
 */
const FENCE = ['input', 'inputs', 'halt', 'halt_error', 'halt_error($m)', 'input_line_number'].map((f) => `def ${f}: $__riffle_refused_${f.replace(/\(.*/, '')};`).join(' ');
/** The query as a definition (on a line of its own, so a trailing comment ends there). */
const defined = (query: string): string => `${FENCE}\ndef __riffle_query: ${query}\n;`;

/**
 * The user's query inside a program that gives one line per input, never an error: `[0, keys]`
 * when the query gives exactly one object whose values are strings, numbers or booleans (made
 * strings as jq's tostring makes them), else `[1, why]`.
 */
function program(query: string): string {
  return `${defined(query)}
try ([__riffle_query] |
  if length != 1 then error("the query gave \\(length) results; it must give one object")
  elif (.[0] | type) != "object" then error("the query gave \\(.[0] | type); it must give an object")
  else [0, (.[0] | to_entries | map(
    if (.value | type) == "string" then .
    elif (.value | type) == "number" or (.value | type) == "boolean" then .value |= tostring
    else error("partition key \\(.key) is \\(.value | type); it must be a string or a number") end) | from_entries)]
  end) catch [1, tostring]`;
}

export class JqPool {
  private constructor(
    private readonly piscina: Piscina<JqTask, string | Extracted[]>,
    private readonly timeoutMs: number,
  ) {}

  /** `timeoutMs`: how long a run may take (30 s). */
  static create(threads: number, timeoutMs = RUN_TIMEOUT_MS): JqPool {
    // What waits is what the delivery streams' stages send (two units per pool thread each at most).
    return new JqPool(new Piscina<JqTask, string | Extracted[]>({ filename: WORKER_URL.href, minThreads: 1, maxThreads: threads, idleTimeout: 60_000 }), timeoutMs);
  }

  /** The jq build's version (`jq --version`). */
  async version(): Promise<string> {
    return this.run({ program: '.', input: 'null', version: true }, this.timeoutMs);
  }

  /**
   * Null when `query` compiles as jq 1.6 and reads only its record, else why not. It is compiled,
   * not run (`if false then … else . end`): a query that loops on null must not hang the call.
   */
  async check(query: string): Promise<string | null> {
    const compiles = async (program: string): Promise<string | null> => {
      try {
        await this.run({ program, input: 'null' }, this.timeoutMs);
        return null;
      } catch (err) {
        if (/compile error/i.test((err as Error).message)) return (err as Error).message;
        throw err;
      }
    };
    const fenced = await compiles(`${defined(query)}\nif false then __riffle_query else . end`);
    if (fenced === null) return null;
    const alone = await compiles(`def __riffle_query: ${query}\n;\nif false then __riffle_query else . end`);
    return alone !== null ? alone : 'it uses input, inputs, input_line_number, halt or halt_error, which read beyond the record (or end jq); a query must give each record\'s keys from that record alone';
  }

  /** One run, ended (with its thread) `timeoutMs` after it started in its thread, not while it waited in the queue. */
  private async run<T extends string | Extracted[] = string>(task: Omit<JqTask, 'started'>, timeoutMs: number, transferList?: ArrayBuffer[]): Promise<T> {
    const deadline = new RunDeadline(timeoutMs);
    try {
      return (await this.piscina.run({ ...task, started: deadline.started }, { signal: deadline.signal, ...(transferList === undefined ? {} : { transferList }) })) as T;
    } catch (err) {
      if (deadline.passed) throw new Error(`the query did not finish in ${timeoutMs / 1000} s`);
      throw err;
    } finally {
      deadline.clear();
    }
  }

  /**
   * Each record's keys, in order: a record that is not UTF-8 JSON has none. The records go to the
   * thread in one buffer (moved, not copied) and are judged there, so nothing per record is done
   * on the main thread but the copy into it.
   */
  async extract(query: string, records: readonly Uint8Array[]): Promise<Extracted[]> {
    const lengths = new Uint32Array(records.length);
    let total = 0;
    records.forEach((r, i) => {
      lengths[i] = r.length;
      total += r.length;
    });
    const data = new Uint8Array(total);
    let at = 0;
    for (const r of records) {
      data.set(r, at);
      at += r.length;
    }
    try {
      return await this.run<Extracted[]>({ program: program(query), input: '', records: { data, lengths } }, this.timeoutMs, [data.buffer]);
    } catch (err) {
      return records.map(() => ({ error: (err as Error).message }));
    }
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
