import { parseEtag, parseEtagList, strongMatch, weakMatch, type EntityTag } from './etag.js';
import { parseHttpDate } from './http-date.js';
import type { RequestHeaders } from './types.js';

/** The validators of the selected representation. */
export interface Validators {
  etag: EntityTag;
  /** Last-Modified in whole seconds since the epoch (the precision an HTTP-date carries). */
  lastModified: number;
  /**
   * Whether Last-Modified is a strong validator (§8.8.2.2): the file was last changed at least a second
   * before the response's Date, so a second change within the same second cannot hide behind it.
   */
  lastModifiedStrong: boolean;
}

/** Reads one header as a string; a repeated header arrives as an array and is joined as a list. */
export function header(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function anyMatches(list: '*' | EntityTag[], etag: EntityTag, compare: typeof strongMatch): boolean {
  // "*" matches any current representation; we only evaluate preconditions when one exists.
  return list === '*' || list.some((tag) => compare(tag, etag));
}

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since in the order of
 * RFC 9110 §13.2.2, returning the status that ends the request (412 or 304) or 'proceed'.
 * If-Range comes later (step 5) and is `ifRangeHolds`.
 */
export function evaluatePreconditions(method: string, headers: RequestHeaders, validators: Validators): 'proceed' | 304 | 412 {
  const safe = method === 'GET' || method === 'HEAD';

  // Step 1: If-Match, strong comparison (§13.1.1).
  const ifMatch = header(headers, 'if-match');
  if (ifMatch !== undefined) {
    if (!anyMatches(parseEtagList(ifMatch), validators.etag, strongMatch)) return 412;
  } else {
    // Step 2: If-Unmodified-Since, only without If-Match; an invalid date is ignored (§13.1.4).
    const since = parseHttpDate(header(headers, 'if-unmodified-since'));
    if (since !== undefined && validators.lastModified > since) return 412;
  }

  // Step 3: If-None-Match, weak comparison (§13.1.2).
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (anyMatches(parseEtagList(ifNoneMatch), validators.etag, weakMatch)) return safe ? 304 : 412;
  } else if (safe) {
    // Step 4: If-Modified-Since, GET/HEAD only and only without If-None-Match (§13.1.3).
    const since = parseHttpDate(header(headers, 'if-modified-since'));
    if (since !== undefined && validators.lastModified <= since) return 304;
  }
  return 'proceed';
}

/**
 * Step 5 of §13.2.2: does the If-Range value let the Range header apply? (§13.1.5)
 * Only a strong entity-tag equal to ours, or an HTTP-date exactly equal to our Last-Modified, does.
 * A weak tag, another date or anything unparsable means "send the whole representation".
 * A date is also refused while our Last-Modified is weak: a file changed twice within one second would
 * otherwise splice bytes of two versions in the client's cache.
 */
export function ifRangeHolds(value: string, validators: Validators): boolean {
  const tag = parseEtag(value);
  if (tag !== undefined) return strongMatch(tag, validators.etag);
  const date = parseHttpDate(value);
  return date !== undefined && validators.lastModifiedStrong && date === validators.lastModified;
}
