import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { KINESIS_OPERATIONS, KINESIS_TARGET_PREFIX } from '../../../src/kinesis/service.js';

const dir = new URL('../../../src/kinesis/operations/', import.meta.url);
const kebab = (name: string): string => name.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();

it('has one file per operation in kinesis/operations/, named after it, and every one of them in the table', async () => {
  const files = readdirSync(dir).sort();
  const served: string[] = [];
  for (const file of files) {
    const mod = (await import(new URL(file, dir).href)) as Record<string, { name?: unknown; members?: unknown; run?: unknown }>;
    const ops = Object.values(mod).filter((v) => typeof v === 'object' && v !== null && typeof v.run === 'function' && typeof v.name === 'string');
    expect(ops, file).toHaveLength(1);
    const op = ops[0] as { name: string };
    expect(`${kebab(op.name)}.ts`).toBe(file);
    expect(KINESIS_OPERATIONS).toContain(op);
    served.push(op.name);
  }
  expect(served.sort()).toEqual(KINESIS_OPERATIONS.map((op) => op.name).sort());
  expect(KINESIS_TARGET_PREFIX).toBe('Kinesis_20131202');
});
