// The main thread's side of jq (jq-worker.ts): MetadataExtractionQuery run over records in worker
// threads, many records per run. Bounded: `threads` running, 4 per thread waiting.
import { Piscina } from 'piscina';
import type { JqTask } from './jq-worker.js';

const WORKER_URL = new URL('./jq-worker.js', import.meta.url);

/** A record's partition keys from the query, or why it has none (it goes to the error output). */
export type Extracted = { keys: Record<string, string> } | { error: string };

const decoder = new TextDecoder('utf-8', { fatal: true });
/** A jq run that takes longer is ended with its thread, and its records fail (a query that never ends must not stall delivery). */
const RUN_TIMEOUT_MS = 30_000;
/** Builtins that read other inputs than the record, or end jq: each record must give its own keys. */
const REFUSED_BUILTINS = /(?<![A-Za-z0-9_$])(inputs?|halt|halt_error|input_line_number)(?![A-Za-z0-9_])/;
const isQueueFull = (err: unknown): boolean => /queue is at limit|queue is full/i.test((err as Error).message);

/**
 * The user's query inside a program that gives one line per input, never an error: `[0, keys]`
 * when the query gives exactly one object whose values are strings, numbers or booleans (made
 * strings as jq's tostring makes them), else `[1, why]`.
 */
function program(query: string): string {
  return `def __riffle_query: ${query};
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
    private readonly piscina: Piscina<JqTask, string>,
    private readonly timeoutMs: number,
  ) {}

  /** `timeoutMs`: how long a run may take (30 s). */
  static create(threads: number, timeoutMs = RUN_TIMEOUT_MS): JqPool {
    // What waits is bounded by the delivery streams' stages (two units per pool thread each).
    return new JqPool(new Piscina<JqTask, string>({ filename: WORKER_URL.href, minThreads: 1, maxThreads: threads, maxQueue: 64 * threads, idleTimeout: 60_000 }), timeoutMs);
  }

  /** The jq build's version (`jq --version`). */
  version(): Promise<string> {
    return this.piscina.run({ program: '.', input: 'null', version: true });
  }

  /**
   * Null when `query` compiles as jq 1.6 and reads only its record, else why not. It is compiled,
   * not run (`if false then … else . end`): a query that loops on null must not hang the call.
   */
  async check(query: string): Promise<string | null> {
    const refused = REFUSED_BUILTINS.exec(query.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
    if (refused !== null) return `${refused[1]} reads beyond the record (or ends jq); a query must give each record's keys from that record alone`;
    for (;;) {
      try {
        await this.run({ program: `def __riffle_query: ${query};\nif false then __riffle_query else . end`, input: 'null' }, RUN_TIMEOUT_MS);
        return null;
      } catch (err) {
        if (isQueueFull(err)) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        if (/compile error/i.test((err as Error).message)) return (err as Error).message;
        throw err;
      }
    }
  }

  /** One run within `timeoutMs`; the pool's queue being full is retried (nothing ran). */
  private async run(task: JqTask, timeoutMs: number): Promise<string> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      return await this.piscina.run(task, { signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) throw new Error(`the query did not finish in ${timeoutMs / 1000} s`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Each record's keys, in order: a record that is not UTF-8 JSON has none. */
  async extract(query: string, records: readonly Uint8Array[]): Promise<Extracted[]> {
    const out: Extracted[] = new Array(records.length);
    const lines: string[] = [];
    const at: number[] = [];
    records.forEach((data, i) => {
      try {
        lines.push(JSON.stringify(JSON.parse(decoder.decode(data))));
        at.push(i);
      } catch {
        out[i] = { error: 'Non JSON record provided' }; // AWS's words, as observed
      }
    });
    if (lines.length === 0) return out;
    let results: string[];
    for (;;) {
      try {
        const answer = await this.run({ program: program(query), input: lines.join('\n') }, this.timeoutMs);
        results = answer === '' ? [] : answer.split('\n');
        break;
      } catch (err) {
        if (isQueueFull(err)) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        results = [];
        for (const i of at) out[i] = { error: (err as Error).message };
        return out;
      }
    }
    // One line per record, unless the query got round the checks (it cannot say which record is which then).
    if (results.length !== lines.length) {
      for (const i of at) out[i] = { error: `the query gave ${results.length} results for ${lines.length} records` };
      return out;
    }
    results.forEach((line, n) => {
      const [tag, value] = JSON.parse(line) as [0, Record<string, string>] | [1, string];
      out[at[n]!] = tag === 0 ? { keys: value } : { error: value };
    });
    return out;
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
