// GetObject's and HeadObject's Range header: one byte range, as S3 takes it (RFC 9110 §14.1.2
// ranges; "Amazon S3 doesn't support retrieving multiple ranges of data per GET request", GetObject
// API reference). A header that is not one valid byte range is ignored and the whole object is
// sent, as RFC 9110 §14.2 lets a server do; a valid range the object cannot satisfy is 416.

export type RangeRequest =
  | { kind: 'whole' }
  | { kind: 'part'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const BYTE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const m = BYTE_RANGE.exec(header.trim());
  if (m === null) return { kind: 'whole' };
  const [, first = '', last = ''] = m;
  if (first === '') {
    // bytes=-n: the last n bytes
    if (last === '') return { kind: 'whole' };
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return { kind: 'whole' }; // not a valid range (RFC 9110 §14.1.1)
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end: Math.min(end, size - 1) };
}
