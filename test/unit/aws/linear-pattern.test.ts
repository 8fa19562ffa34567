import { describe, expect, it } from 'vitest';
import { LinearPattern } from '../../../src/aws/linear-pattern.js';
import { prng } from '../prng.js';

// The linear-time matcher gives the same answers as JavaScript's RegExp (full match) on every
// pattern the service models use, on random strings built from those patterns' own pieces, and
// stays linear where RegExp backtracks for seconds.
const PATTERNS = [
  '.*',
  '0|([1-9]\\d{0,128})',
  '0|([1-9]\\d{0,38})',
  '[0-9]+',
  '[\\.\\-_/#A-Za-z0-9]*',
  '[^:*]*',
  '[a-z0-9]{20}-[a-z0-9]{3}',
  '[a-zA-Z0-9-]+',
  '[a-zA-Z0-9_.-]+',
  '^$|[a-zA-Z/_]+',
  '^(?!\\s*$).+',
  '^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$',
  '^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+',
  '^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$',
  'arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+',
  'arn:.*:kinesis:[a-zA-Z0-9\\-]+:\\d{12}:stream/[a-zA-Z0-9_.-]+',
  'arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+',
  'arn:.*:s3:::[\\w\\.\\-]{1,255}',
  'arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+',
  'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
];

/** Pieces to build inputs from: the patterns' literals, digits, spaces, odd characters. */
const PIECES = ['arn', ':', 'aws', 'aws:', 'kinesis', 'stream', '/', 'consumer', 'iam', 'role', 'kms', 'key', 'alias', 's3', '000000000000', '123456789012', '0', '1', '9', 'a', 'Z', '_', '.', '-', ' ', '\t', '\n', '*', '#', 'é', '日', '😀', '%', '=', '+', '@', ',', 'abcdefghij0123456789', '-abc', ''];

function sample(rand: () => number): string {
  const n = Math.floor(rand() * 12);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

const VALID = [
  'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1700000000',
  'arn:aws:iam::123456789012:role/firehose',
  'arn:aws:kms:us-east-1:123456789012:key/1234',
  'arn:aws:s3:::my-bucket',
  'abcdefghij0123456789-abc',
  '12345678901234567890',
  'tag value é 日',
];

describe('LinearPattern', () => {
  it.each(PATTERNS)('agrees with RegExp on %s', (pattern) => {
    const re = new RegExp(`^(?:${pattern})$`, pattern.includes('\\p{') ? 'u' : '');
    const lp = new LinearPattern(pattern);
    const rand = prng(pattern.length * 7919);
    const inputs = [...VALID, '', ' ', 'aws:x', ...Array.from({ length: 3000 }, () => sample(rand))];
    for (const s of inputs) expect(lp.test(s), `${pattern} on ${JSON.stringify(s)}`).toBe(re.test(s));
  });

  it('stays linear where RegExp backtracks: a 30 KB StreamARN of its own pieces', () => {
    const evil = 'arn:aws' + ':kinesis::000000000000:stream/'.repeat(1000) + ' ';
    const t = performance.now();
    expect(new LinearPattern('arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+').test(evil)).toBe(false);
    expect(new LinearPattern('arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+').test(evil)).toBe(false);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('refuses syntax it does not know rather than guess', () => {
    expect(() => new LinearPattern('a(?=b)')).toThrow(/only \(\?:\) groups/);
    expect(() => new LinearPattern('\\bword')).toThrow(/unsupported escape/);
    expect(() => new LinearPattern('a{2000}')).toThrow(/repeat too large/);
  });
});
