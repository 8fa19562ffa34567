// The main thread's side of jq (jq-worker.ts): MetadataExtractionQuery run over records in worker
// threads, many records per run. Bounded: `threads` running, 4 per thread waiting.
import { Piscina } from 'piscina';
import type { JqTask } from './jq-worker.js';

const WORKER_URL = new URL('./jq-worker.js', import.meta.url);

/** A record's partition keys from the query, or why it has none (it goes to the error output). */
export type Extracted = { keys: Record<string, string> } | { error: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

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
  private constructor(private readonly piscina: Piscina<JqTask, string>) {}

  static create(threads: number): JqPool {
    return new JqPool(new Piscina<JqTask, string>({ filename: WORKER_URL.href, minThreads: 1, maxThreads: threads, maxQueue: 4 * threads, idleTimeout: 60_000 }));
  }

  /** The jq build's version (`jq --version`). */
  version(): Promise<string> {
    return this.piscina.run({ program: '.', input: 'null', version: true });
  }

  /** Null when `query` compiles as jq, else jq's message. */
  async check(query: string): Promise<string | null> {
    try {
      await this.piscina.run({ program: program(query), input: 'null' });
      return null;
    } catch (err) {
      return (err as Error).message;
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
    if (lines.length > 0) {
      const answer = await this.piscina.run({ program: program(query), input: lines.join('\n') });
      const results = answer === '' ? [] : answer.split('\n');
      if (results.length !== lines.length) throw new Error(`jq gave ${results.length} results for ${lines.length} records`);
      results.forEach((line, n) => {
        const [tag, value] = JSON.parse(line) as [0, Record<string, string>] | [1, string];
        out[at[n]!] = tag === 0 ? { keys: value } : { error: value };
      });
    }
    return out;
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
