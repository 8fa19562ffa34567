// Conditional GetObject and HeadObject: If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since, evaluated in RFC 9110 §13.2.2's order, which is also S3's documented
// precedence (If-Match true wins over If-Unmodified-Since false: 200; If-None-Match false wins
// over If-Modified-Since true: 304). Dates compare in whole seconds, as Last-Modified is sent.

export type ConditionResult = { kind: 'ok' } | { kind: 'not-modified' } | { kind: 'failed'; condition: string };

export function evaluateConditions(headers: Record<string, string>, etag: string, lastModifiedMs: number): ConditionResult {
  const seconds = Math.floor(lastModifiedMs / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!matches(ifMatch, etag)) return { kind: 'failed', condition: 'If-Match' };
  } else {
    const since = httpDateSeconds(headers['if-unmodified-since']);
    if (since !== undefined && seconds > since) return { kind: 'failed', condition: 'If-Unmodified-Since' };
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch, etag)) return { kind: 'not-modified' };
  } else {
    const since = httpDateSeconds(headers['if-modified-since']);
    if (since !== undefined && seconds <= since) return { kind: 'not-modified' };
  }
  return { kind: 'ok' };
}

/** `*` or a list of entity tags, quoted or (as S3 also takes them) not, weak ones compared weakly. */
function matches(list: string, etag: string): boolean {
  const bare = etag.replace(/^"|"$/g, '');
  return list.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return tag === '*' || tag === bare;
  });
}

/** An HTTP date in seconds; undefined when absent or unparseable (then the condition is ignored, RFC 9110 §13.1.3). */
function httpDateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
