import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { defaultConfig, OPTIONS, range, type OptionSpec } from '../../src/config.js';

// README's Options table against the one table the code checks options with (config.ts OPTIONS):
// every flag has its row, with its env var, its default, its range and its Riffle.start name.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('\n## Options'), readme.indexOf('\n## ', readme.indexOf('\n## Options') + 1));
const rows = new Map(
  section
    .split('\n')
    .filter((l) => l.startsWith('| `--'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()))
    .map((cells) => [(cells[0] as string).replace(/`/g, ''), cells] as const),
);

const shown = (n: number): string => (n === 1_000_000_000 ? '10⁹' : String(n));

function defaultOf(spec: OptionSpec): unknown {
  const config = defaultConfig();
  return spec.limit !== undefined ? config.limits[spec.limit] : config[spec.key];
}

it('lists every option with its env var, default, range and Riffle.start name, and nothing else', () => {
  expect([...rows.keys()].sort()).toEqual(Object.keys(OPTIONS).map((f) => `--${f}`).sort());
  for (const [flag, spec] of Object.entries(OPTIONS)) {
    const [, env, def, takes, embedded] = rows.get(`--${flag}`) as string[];
    expect(env, flag).toBe(`\`${spec.env}\``);
    const value = defaultOf(spec);
    if (spec.kind === 'flag') expect(def, flag).toBe('off');
    else if (flag === 'workers') expect(def, flag).toBe('cores − 1, from 1 to 64');
    else if (flag === 'data-dir') expect(def, flag).toMatch(/^\.\/riffle-data /);
    else if (value === null) expect(def, flag).not.toBe('');
    else if (value === '') expect(def, flag).toBe('none');
    else expect(def, flag).toBe(String(value));
    const r = range(spec);
    if (r !== null) expect(takes, flag).toMatch(new RegExp(`^${shown(r[0])}–${shown(r[1])}(?![0-9])`));
    const name = spec.limit !== undefined ? `limits.${spec.limit}` : spec.flagValue === false ? `${spec.key}: false` : spec.key;
    expect(embedded, flag).toMatch(new RegExp(`^\`${name.replace('.', '\\.')}\``));
  }
});
