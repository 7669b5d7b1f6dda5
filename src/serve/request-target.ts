/**
 * The key a URL path names: the leading "/" dropped and percent-encoding decoded exactly once.
 * Undefined for malformed encoding. Decoding twice would let "%252e%252e" become "..", so the result
 * is handed to the source as it is, and the source's rules apply to it.
 */
export function keyFromPath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname.startsWith('/') ? pathname.slice(1) : pathname);
  } catch {
    return undefined;
  }
}

// scheme "://" authority: what precedes the path in an absolute-form request target.
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The path and the query of a request target. Absolute-form ("GET http://host/a.mp4") must be accepted
 * (RFC 9112 §3.2.2); its scheme and authority are dropped by hand rather than through `new URL`, whose
 * dot-segment normalisation would make the same path mean something else in the two forms.
 */
export function splitUrl(url: string): { pathname: string; query: URLSearchParams } {
  const target = url.startsWith('/') ? url : url.replace(ABSOLUTE_FORM, '') || '/';
  const q = target.indexOf('?');
  return q < 0 ? { pathname: target, query: NO_QUERY } : { pathname: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

/** Shared by every URL without a query (most media requests); read, never written. */
const NO_QUERY: URLSearchParams = new URLSearchParams();
