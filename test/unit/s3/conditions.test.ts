// Conditional requests in RFC 9110 §13.2.2's order, which S3's documented precedence follows.
import { describe, expect, it } from 'vitest';
import { evaluateConditions } from '../../../src/s3/conditions.js';

const ETAG = '"0123abcd"';
const MODIFIED_MS = Date.parse('Tue, 01 Dec 2026 10:00:00 GMT') + 700; // sub-second part ignored
const BEFORE = 'Tue, 01 Dec 2026 09:00:00 GMT';
const SAME = 'Tue, 01 Dec 2026 10:00:00 GMT';

describe('evaluateConditions', () => {
  it.each([
    [{}, { kind: 'ok' }],
    [{ 'if-match': ETAG }, { kind: 'ok' }],
    [{ 'if-match': '0123abcd' }, { kind: 'ok' }],
    [{ 'if-match': '"other", "0123abcd"' }, { kind: 'ok' }],
    [{ 'if-match': '*' }, { kind: 'ok' }],
    [{ 'if-match': '"other"' }, { kind: 'failed', condition: 'If-Match' }],
    [{ 'if-unmodified-since': BEFORE }, { kind: 'failed', condition: 'If-Unmodified-Since' }],
    [{ 'if-unmodified-since': SAME }, { kind: 'ok' }],
    // S3: If-Match true and If-Unmodified-Since false → 200.
    [{ 'if-match': ETAG, 'if-unmodified-since': BEFORE }, { kind: 'ok' }],
    [{ 'if-none-match': ETAG }, { kind: 'not-modified' }],
    [{ 'if-none-match': '"other"' }, { kind: 'ok' }],
    [{ 'if-modified-since': SAME }, { kind: 'not-modified' }],
    [{ 'if-modified-since': BEFORE }, { kind: 'ok' }],
    // S3: If-None-Match false and If-Modified-Since true → 304.
    [{ 'if-none-match': ETAG, 'if-modified-since': BEFORE }, { kind: 'not-modified' }],
    [{ 'if-none-match': '"other"', 'if-modified-since': SAME }, { kind: 'ok' }],
    [{ 'if-modified-since': 'not a date' }, { kind: 'ok' }],
    [{ 'if-match': '"other"', 'if-none-match': ETAG }, { kind: 'failed', condition: 'If-Match' }],
  ])('%j', (headers, expected) => {
    expect(evaluateConditions(headers as Record<string, string>, ETAG, MODIFIED_MS)).toEqual(expected);
  });
});
