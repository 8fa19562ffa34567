import { expiredNextToken, invalidNextToken } from './errors.js';

/**
 * Pagination tokens for ListStreams and ListShards: opaque base64 of a small JSON record. ListShards
 * tokens expire after 300 seconds, as AWS documents ("ExpiredNextTokenException").
 */
export interface PageToken {
  /** Stream name (ListShards) or empty (ListStreams). */
  s: string;
  /** Stream creation time, so a token outlives no re-created stream. */
  c: number;
  /** Last key returned: a stream name or a shard id. */
  k: string;
  /** When the token was issued, ms. */
  t: number;
  /** ListShards: the ShardFilter of the first page (later pages send only the token), and its time. */
  f?: string;
  ft?: number;
}

export const NEXT_TOKEN_TTL_MS = 300_000;

export function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64');
}

export function decodePageToken(raw: string): PageToken {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Partial<PageToken>;
    if (typeof v.s === 'string' && typeof v.c === 'number' && typeof v.k === 'string' && typeof v.t === 'number') {
      return v as PageToken;
    }
  } catch {
    // fall through: not one of ours
  }
  throw invalidNextToken();
}

export function checkNotExpired(token: PageToken, nowMs: number): void {
  if (nowMs - token.t > NEXT_TOKEN_TTL_MS) {
    throw expiredNextToken();
  }
}
