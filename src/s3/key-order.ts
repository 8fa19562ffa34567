// S3 lists keys "in ascending order based on the key names" (ListObjectsV2 API reference), meaning
// the UTF-8 bytes of the whole key. JavaScript compares strings by UTF-16 code units, which
// disagrees with UTF-8 byte order where a surrogate pair (U+10000 and up) meets U+E000..U+FFFF.

/**
 * Orders strings as their UTF-8 encodings order (the same as code point order), without encoding
 * them: code units compare as is, except that surrogates (D800..DFFF) are lifted above E000..FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return lift(x) - lift(y);
    return x - y;
  }
  return a.length - b.length;
}

function lift(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800; // E000..FFFF → D800..F7FF
  return unit + 0x2000; // surrogates D800..DFFF → F800..FFFF
}

/**
 * Where a listing resumes: after `key`, and with `prefix` also past every key that starts with it
 * (the keys a CommonPrefix stood for, which sort right after it, together).
 */
export interface Bound {
  key: string;
  prefix: boolean;
}

export const START: Bound = { key: '', prefix: false };

/** Whether a key (or a CommonPrefix) comes after the bound. */
export function isAfter(key: string, bound: Bound): boolean {
  return compareUtf8(key, bound.key) > 0 && !(bound.prefix && key.startsWith(bound.key));
}

/** Whether some key that starts with `keyPrefix` can come after the bound. */
export function mayHaveAfter(keyPrefix: string, bound: Bound): boolean {
  if (bound.prefix && keyPrefix.startsWith(bound.key)) return false;
  // Keys under keyPrefix sort at or after it; if keyPrefix is below the bound and not a prefix of
  // it, they differ from the bound inside keyPrefix, so all of them sort below it.
  return compareUtf8(keyPrefix, bound.key) >= 0 || bound.key.startsWith(keyPrefix);
}
