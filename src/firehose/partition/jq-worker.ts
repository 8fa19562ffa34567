// The jq pool's worker thread (piscina loads this file from dist/; jq-pool.ts is the main
// thread's side). It runs jq 1.6 compiled to WebAssembly (the npm package jq-web 0.5.1, jq
// 1.6rc1+16 as its build reports itself), kept to this thread: its Emscripten runtime installs
// process-wide handlers, and a run costs milliseconds, so many records go through each run.

type JqWeb = (typeof import('jq-web/jq.wasm.js'))['default'];

/** A record's partition keys from the query, or why it has none (it goes to the error output). */
export type Extracted = { keys: Record<string, string> } | { error: string };

export interface JqTask {
  /** A jq program over each input (jq-pool.ts wraps the user's query in it). */
  program: string;
  /** One compact JSON document per line, at least one: an empty input (or jq's -n) leaves the module reading nothing ever after. */
  input: string;
  /** Instead of `input`: records (their data in one buffer, moved here), each judged and run here; the answer is their Extracted[]. */
  records?: { data: Uint8Array; lengths: Uint32Array };
  /** Instead of running: the version the build reports. */
  version?: boolean;
  /** The worker writes when the run starts (wall ms) into [0]: the pool's timeout counts from then. */
  started: Float64Array;
}

let ready: Promise<JqWeb> | null = null;

function load(): Promise<JqWeb> {
  ready ??= (async () => {
    // Its loader fetches the .wasm by URL when fetch exists (Node's fetch takes no paths): without
    // fetch it reads the file. Only this thread's global is touched, and only while it loads.
    const fetch = globalThis.fetch;
    Reflect.deleteProperty(globalThis, 'fetch');
    try {
      const jq = (await import('jq-web/jq.wasm.js')).default;
      await jq.promised.raw('null', '.');
      return jq;
    } finally {
      globalThis.fetch = fetch;
    }
  })();
  return ready;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Each record's keys: a record that is not UTF-8 JSON has none; the others go through one run of
 * the program, made compact JSON, one per line, and each gives one line back (`[0, keys]` or
 * `[1, why]`, see jq-pool.ts program()).
 */
function extract(jq: JqWeb, program: string, records: { data: Uint8Array; lengths: Uint32Array }): Extracted[] {
  const out: Extracted[] = new Array(records.lengths.length);
  const lines: string[] = [];
  const at: number[] = [];
  let from = 0;
  records.lengths.forEach((len, i) => {
    try {
      lines.push(JSON.stringify(JSON.parse(decoder.decode(records.data.subarray(from, from + len)))));
      at.push(i);
    } catch {
      out[i] = { error: 'Non JSON record provided' }; // AWS's words, as observed
    }
    from += len;
  });
  if (lines.length === 0) return out;
  const answer = jq.raw(lines.join('\n'), program, ['-c']);
  const results = answer === '' ? [] : answer.split('\n');
  // One line per record, unless the query got round the fence (it cannot say which record is which then).
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

/**
 * The program's output, one line per result (`-c`); a jq error throws with jq's message. A failed
 * run can leave the module's state broken (its stdin and stdout buffers), so the thread ends
 * after one (piscina starts another): the wrapped programs the pool runs never fail at run time,
 * only a query that does not compile does, when it is checked.
 */
export default async function runJq(task: JqTask): Promise<string | Extracted[]> {
  const jq = await load();
  task.started[0] = Date.now();
  try {
    if (task.version === true) {
      setTimeout(() => process.exit(0), 100).unref(); // --version is not a run this thread goes on from
      return jq.raw('null', '.', ['--version']).trim();
    }
    if (task.records !== undefined) return extract(jq, task.program, task.records);
    if (task.input === '') throw new Error('no input');
    return jq.raw(task.input, task.program, ['-c']);
  } catch (err) {
    // After the answer is on its way.
    setTimeout(() => process.exit(1), 100).unref();
    throw new Error(String((err as Error).message ?? err).trim());
  }
}
