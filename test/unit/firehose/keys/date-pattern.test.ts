import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileDatePattern, DatePatternError } from '../../../../src/firehose/keys/date-pattern.js';
import { zonedTime } from '../../../../src/firehose/keys/zone-time.js';

/** Written by java.time (date-pattern-vectors.java beside this file), never by hand. */
const golden = JSON.parse(readFileSync(new URL('./date-pattern-vectors.json', import.meta.url), 'utf8')) as {
  java: string;
  singleLetters: Record<string, boolean>;
  verdicts: Record<string, string | null>;
  vectors: [pattern: string, zone: string, ms: number, out: string][];
};

function verdict(pattern: string): 'ok' | 'unsupported' | string {
  try {
    compileDatePattern(pattern);
    return 'ok';
  } catch (e) {
    if (!(e instanceof DatePatternError)) throw e;
    return e.reason === 'unsupported' ? 'unsupported' : e.message;
  }
}

describe('DateTimeFormatter patterns', () => {
  it(`formats as java.time ${golden.java} does (Locale.US), in UTC and in zones with odd offsets and DST`, () => {
    expect(golden.vectors.length).toBeGreaterThan(4000);
    const wrong: string[] = [];
    for (const [pattern, zone, ms, out] of golden.vectors) {
      const got = compileDatePattern(pattern).format(zonedTime(ms, zone));
      if (got !== out) wrong.push(`${JSON.stringify(pattern)} ${zone} ${new Date(ms).toISOString()}: ${JSON.stringify(got)}, java ${JSON.stringify(out)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('rejects exactly the single letters java.time rejects, which are the ones Firehose was measured to reject', () => {
    // Measured on AWS over all 52 ASCII letters ("Invalid conversion character"), per the
    // cdk_preflight rule set's _pf_fhlib_ts_bad (2026-09-10).
    const awsRejects = ['C', 'I', 'J', 'P', 'R', 'T', 'U', 'V', 'b', 'f', 'i', 'j', 'l', 'o', 'p', 'r', 't'];
    expect(Object.keys(golden.singleLetters)).toHaveLength(52);
    expect(Object.entries(golden.singleLetters).filter(([, ok]) => !ok).map(([l]) => l)).toEqual(awsRejects);
    for (const [letter, javaAccepts] of Object.entries(golden.singleLetters)) {
      const v = verdict(letter);
      expect(v === 'ok' || v === 'unsupported', `${letter}: ${v}`).toBe(javaAccepts);
    }
  });

  it("gives java.time's verdict on letter counts, quotes, optional sections and reserved characters", () => {
    for (const [pattern, javaError] of Object.entries(golden.verdicts)) {
      const v = verdict(pattern);
      if (javaError === null) expect(['ok', 'unsupported'], pattern).toContain(v);
      else expect(v, pattern).toBe(javaError);
    }
  });

  it('says which patterns java.time takes that Riffle cannot evaluate', () => {
    for (const p of ['z', 'zzzz', 'v', 'vvvv', 'B', 'BBBB', 'F', 'pd', 'ppH']) expect(verdict(p), p).toBe('unsupported');
    expect(() => compileDatePattern('yyyy z')).toThrow("Riffle does not support pattern letter 'z' (time-zone name)");
  });

  it('prints the instant on the wall clock of a zone across a DST transition (America/Los_Angeles)', () => {
    const p = compileDatePattern('yyyy-MM-dd HH:mm:ss.SSS Z');
    // 2026-03-08: 02:00 PST becomes 03:00 PDT, at 10:00 UTC.
    expect(p.format(zonedTime(Date.UTC(2026, 2, 8, 9, 59, 59, 999), 'America/Los_Angeles'))).toBe('2026-03-08 01:59:59.999 -0800');
    expect(p.format(zonedTime(Date.UTC(2026, 2, 8, 10, 0, 0, 0), 'America/Los_Angeles'))).toBe('2026-03-08 03:00:00.000 -0700');
    // 2026-11-01: 02:00 PDT becomes 01:00 PST, at 09:00 UTC, so 01:30 happens twice.
    expect(p.format(zonedTime(Date.UTC(2026, 10, 1, 8, 30), 'America/Los_Angeles'))).toBe('2026-11-01 01:30:00.000 -0700');
    expect(p.format(zonedTime(Date.UTC(2026, 10, 1, 9, 30), 'America/Los_Angeles'))).toBe('2026-11-01 01:30:00.000 -0800');
  });

  it('never throws anything but DatePatternError on arbitrary patterns, and what compiles formats (time-boxed fuzz)', () => {
    const alphabet = "yMdHhmsSaEDGuQqLwWeckKAnNgVOXxZzvBFp'[]#{}/-=_. :";
    let seed = 0x2545f491;
    const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 0x1000000;
    const t = zonedTime(Date.UTC(2026, 6, 13, 14, 5, 9, 42), 'Asia/Kolkata');
    const until = Date.now() + 300;
    let compiled = 0;
    for (let i = 0; Date.now() < until || i < 1000; i++) {
      let pattern = '';
      for (let n = Math.floor(next() * 12); n > 0; n--) pattern += alphabet[Math.floor(next() * alphabet.length)];
      try {
        const out = compileDatePattern(pattern).format(t);
        expect(typeof out).toBe('string');
        compiled++;
      } catch (e) {
        expect(e, pattern).toBeInstanceOf(DatePatternError);
      }
    }
    expect(compiled).toBeGreaterThan(0);
  });
});
