import { createHmac, timingSafeEqual } from 'node:crypto';
import { textPlan, type Plan } from '../http/decide.js';

/**
 * Signed URLs: an HMAC-SHA256 over what a link may open (one key, or every key under a folder prefix)
 * and until when, carried in the query string as `exp` (Unix seconds), `scope` (the prefix, for
 * folder tokens) and `sig`. Several secrets can be accepted at once, so a key can be rotated: sign
 * with the first, accept any.
 */

export interface SignOptions {
  /** Unix time in seconds after which the link is refused with 410. */
  expires: number;
  /**
   * Cover every key under this folder instead of one key: "" for everything, else a path ending in
   * "/". A player's range requests, subtitles and posters can then share one token.
   */
  prefix?: string;
}

/** What a link's token says: valid, absent, forged or malformed, or expired. */
export type Verdict = 'ok' | 'missing' | 'invalid' | 'expired';

const SIG_LENGTH = 43; // base64url of 32 bytes, unpadded

function mac(secret: string, scope: string, isPrefix: boolean, expires: number): Buffer {
  // The kind of scope is signed too: a token for the file "a/" must not open the folder "a/".
  return createHmac('sha256', secret)
    .update(`seekable-v1\n${isPrefix ? 'prefix' : 'key'}\n${scope}\n${expires}`)
    .digest();
}

function checkPrefix(prefix: string): void {
  if (prefix !== '' && !prefix.endsWith('/')) throw new Error(`a prefix must be "" or end with "/": ${JSON.stringify(prefix)}`);
}

/** The query parameters that sign `key` (or `prefix`), as a string without "?". */
export function signQuery(key: string, secret: string, options: SignOptions): string {
  const isPrefix = options.prefix !== undefined;
  if (isPrefix) checkPrefix(options.prefix!);
  const scope = isPrefix ? options.prefix! : key;
  const sig = mac(secret, scope, isPrefix, options.expires).toString('base64url');
  const params = new URLSearchParams({ exp: String(options.expires) });
  if (isPrefix) params.set('scope', scope);
  params.set('sig', sig);
  return params.toString();
}

/**
 * Checks the token in `query` for `key`. The signature is checked before the expiry, so a forged
 * token learns nothing from a 410, and neither says whether the key exists: call this before any
 * lookup. Comparisons are constant-time.
 */
export function verifyQuery(key: string, query: URLSearchParams, secrets: readonly string[], nowSeconds: number): Verdict {
  const exp = query.get('exp');
  const sig = query.get('sig');
  const scope = query.get('scope');
  if (exp === null && sig === null) return 'missing';
  if (exp === null || sig === null || !/^\d{1,15}$/.test(exp) || sig.length !== SIG_LENGTH) return 'invalid';
  const isPrefix = scope !== null;
  if (isPrefix && ((scope !== '' && !scope.endsWith('/')) || !key.startsWith(scope))) return 'invalid';
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== 32) return 'invalid';
  const expires = Number(exp);
  let valid = false;
  for (const secret of secrets) {
    // Every secret is tried, whatever the outcome, so timing says nothing about which one matched.
    valid = timingSafeEqual(given, mac(secret, isPrefix ? scope : key, isPrefix, expires)) || valid;
  }
  if (!valid) return 'invalid';
  return nowSeconds > expires ? 'expired' : 'ok';
}

/** Parses "90", "90s", "15m", "1h", "7d" into seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (m === null) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/**
 * The refusal for a request whose token does not open `key`, or undefined when it may go on.
 * 403 for a missing or bad token, 410 once it has expired; `no-store` so no cache keeps the refusal
 * for a later, valid link.
 */
export function refusal(key: string | undefined, query: URLSearchParams, secrets: readonly string[], nowSeconds: number): Plan | undefined {
  const verdict = verifyQuery(key ?? '', query, secrets, nowSeconds);
  if (verdict === 'ok' && key !== undefined) return undefined;
  const headers = { 'Cache-Control': 'no-store' };
  return verdict === 'expired'
    ? textPlan(410, 'Gone: this link has expired', headers)
    : textPlan(403, 'Forbidden: a valid signed link is needed', headers);
}
