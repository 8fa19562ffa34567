// Range headers as S3 answers them: one byte range, suffix ranges, clamping, 416 for ranges past
// the end, and anything else ignored (the whole object).
import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../src/s3/range.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-9', 100, { kind: 'part', start: 0, end: 9 }],
    ['bytes=90-', 100, { kind: 'part', start: 90, end: 99 }],
    ['bytes=-10', 100, { kind: 'part', start: 90, end: 99 }],
    ['bytes=-1000', 100, { kind: 'part', start: 0, end: 99 }],
    ['bytes=50-5000', 100, { kind: 'part', start: 50, end: 99 }],
    ['bytes=99-99', 100, { kind: 'part', start: 99, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=100-200', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-5', 0, { kind: 'unsatisfiable' }],
    ['bytes=99999999999999999999999-', 100, { kind: 'unsatisfiable' }],
    ['bytes=5-1', 100, { kind: 'whole' }],
    ['bytes=0-1,5-6', 100, { kind: 'whole' }],
    ['bytes=-', 100, { kind: 'whole' }],
    ['bytes=a-b', 100, { kind: 'whole' }],
    ['items=0-5', 100, { kind: 'whole' }],
    ['', 100, { kind: 'whole' }],
  ] as const)('%s of %d bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it('no header is the whole object', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'whole' });
  });
});
