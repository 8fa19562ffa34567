import { afterAll, describe, expect, it } from 'vitest';
import { JqPool } from 'riffle/internal';

// The jq pool: jq 1.6 in WebAssembly (npm jq-web 0.5.1), as dynamic partitioning runs it.
const pool = JqPool.create(1, 1000);
afterAll(() => pool.close());
const docs = (...xs: unknown[]) => xs.map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(typeof x === 'string' ? x : JSON.stringify(x))));

describe('the jq pool', () => {
  it('is jq 1.6: its version, and what 1.6 does where 1.7 changed it', async () => {
    expect(await pool.version()).toMatch(/^jq-1\.6/);
    expect(await pool.extract('{n: ([limit(0; 1, 2)] | length), big: 100000000000000000000, f: 1.0}', docs({}))).toEqual([{ keys: { n: '1', big: '1e+20', f: '1' } }]);
  });

  it("gives each record's keys, or why not, one by one: never a record's keys to another", async () => {
    const q = '{customer_id: .customer_id, year: (.ts | strftime("%Y"))}';
    expect(await pool.extract(q, docs({ customer_id: 'c1', ts: 1700000000 }, 'not json', { customer_id: 7, ts: 0 }, { customer_id: null, ts: 0 }, { customer_id: 'x', ts: 'soon' }, Buffer.from([0x22, 0xff, 0x22])))).toEqual([
      { keys: { customer_id: 'c1', year: '2023' } },
      { error: 'Non JSON record provided' },
      { keys: { customer_id: '7', year: '1970' } },
      { error: 'partition key customer_id is null; it must be a string or a number' },
      { error: expect.stringMatching(/strftime/) as unknown },
      { error: 'Non JSON record provided' }, // a JSON string, but not UTF-8
    ]);
    expect(await pool.extract('.a, .b', docs({ a: 1, b: 2 }))).toEqual([{ error: 'the query gave 2 results; it must give one object' }]);
    expect(await pool.extract('.a', docs({ a: 'x' }))).toEqual([{ error: 'the query gave string; it must give an object' }]);
  });

  it('checks a query by compiling it, not running it; refuses the builtins that read other records or end jq, where they are called', async () => {
    expect(await pool.check('{a: .a}')).toBeNull();
    expect(await pool.check('{a: ')).toMatch(/compile error/);
    expect(await pool.check('{a: (1 | until(false; .))}')).toBeNull(); // loops when run, but compiles: answered at once
    for (const q of ['first(inputs) as $x | {a: .a}', '{a: input}', 'halt', '{a: (1 | halt_error)}', '{a: (1 | halt_error(2))}', '{a: input_line_number}', '{a: "\\(input)"}']) {
      expect(await pool.check(q), q).toMatch(/^it uses input, inputs, input_line_number, halt or halt_error/);
    }
    // Not calls: fields, keys, strings, comments, the query's own definitions.
    for (const q of ['{a: .input}', '{a: .a.inputs}', '{input: .a}', '{a: "inputs"}', 'def input: 1; {a: input}', '{a: .a} # input']) expect(await pool.check(q), q).toBeNull();
    expect(await pool.extract('{a: .a} # a comment on the last line', docs({ a: 1 }))).toEqual([{ keys: { a: '1' } }]);
  });

  it("counts a run's time from its start, not its wait behind others", async () => {
    const slow = JqPool.create(1, 1500);
    try {
      // Three runs of about 1 s each on one thread, at once: the last waits 2 s, and is not timed out for it.
      const runs = await Promise.all([0, 1, 2].map(() => slow.extract('{a: ([range(0; 5000000)] | length)}', docs({}))));
      expect(runs).toEqual([0, 1, 2].map(() => [{ keys: { a: '5000000' } }]));
    } finally {
      await slow.close();
    }
  }, 20_000);

  it('ends a run that does not finish in time and fails its records, and goes on', async () => {
    const t0 = Date.now();
    expect(await pool.extract('{a: (1 | until(false; .))}', docs({}, {}))).toEqual([{ error: 'the query did not finish in 1 s' }, { error: 'the query did not finish in 1 s' }]);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await pool.extract('{a: .a}', docs({ a: 1 }))).toEqual([{ keys: { a: '1' } }]);
  });
});
