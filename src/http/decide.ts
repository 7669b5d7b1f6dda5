import { coalesceRanges } from './coalesce-ranges.js';
import { contentDisposition } from './content-disposition.js';
import { contentRange, unsatisfiedRange } from './content-range.js';
import { contentTypeFor } from './content-type.js';
import { makeEtag, parseEtag } from './etag.js';
import { formatHttpDate } from './http-date.js';
import { frameMultipart, type MultipartPart } from './multipart.js';
import { parseRange } from './parse-range.js';
import { evaluatePreconditions, header, ifRangeHolds, type Validators } from './preconditions.js';
import type { ByteRange, Representation, RequestInfo } from './types.js';
import { utf8Length } from './utf8.js';

/** What the sender must do: the bytes to stream, never the bytes themselves. */
export type PlanBody =
  | { type: 'none' }
  | { type: 'text'; text: string }
  | { type: 'bytes'; range: ByteRange }
  | { type: 'multipart'; parts: MultipartPart[]; tail: string };

/** What to answer: a status, its headers, and the body to send (never the bytes themselves). */
export interface Plan {
  status: number;
  headers: Record<string, string>;
  body: PlanBody;
}

/** What decide() needs besides the request and the representation. */
export interface DecideOptions {
  /** The current time in milliseconds since the epoch; the engine never reads a clock. */
  now: number;
  /** The request's file name or path; gives the Content-Type when the representation has none. */
  name: string;
  /** Cache-Control of file responses (default DEFAULT_CACHE_CONTROL). */
  cacheControl?: string;
  /** Most parts a multipart/byteranges answer may have after coalescing (default 16). */
  maxRanges?: number;
  /** Most bytes in the body of a single-range 206; longer ranges are cut to this (default: no cap). */
  maxChunk?: number;
  /** When set, the answer is a download with this file name (Content-Disposition: attachment). */
  download?: string;
  /**
   * Makes a multipart boundary, called only when one is needed. Required, and it must be random
   * (e.g. 12 random bytes in hex): a boundary that a file's bytes could contain lets the file forge
   * parts (RFC 2046 §5.1.1). The engine draws no randomness itself, so the caller supplies it.
   */
  boundary: () => string;
}

/**
 * One hour, public: media files change rarely, and strong validators make revalidation after that a
 * cheap 304 (or a 206 with If-Range). A shorter time costs a round trip per play; a longer one risks a
 * replaced video being shown stale from caches we cannot purge.
 */
export const DEFAULT_CACHE_CONTROL = 'public, max-age=3600';
/** Most parts of a multipart/byteranges answer unless maxRanges says otherwise. */
export const DEFAULT_MAX_RANGES = 16;

const ALLOW = 'GET, HEAD';

/** A short plain-text answer: errors and refusals. */
export function textPlan(status: number, text: string, headers: Record<string, string> = {}): Plan {
  return documentPlan(status, 'text/plain; charset=utf-8', `${text}\n`, headers);
}

/** A whole document made by the server (a page, a JSON answer), of the given type; never a range. */
export function documentPlan(status: number, contentType: string, text: string, headers: Record<string, string> = {}): Plan {
  return {
    status,
    headers: { ...headers, 'Content-Type': contentType, 'Content-Length': String(utf8Length(text)) },
    body: { type: 'text', text },
  };
}

/** 404 for a key the source does not have. */
export const notFound = (): Plan => textPlan(404, 'Not Found');
/** 405 for anything but GET and HEAD, with the Allow header §15.5.6 requires. */
export const methodNotAllowed = (): Plan => textPlan(405, 'Method Not Allowed', { Allow: ALLOW });

/**
 * 307 to where the same bytes are served directly (a store's presigned URL, in redirect mode). 307,
 * not 302, so the method is kept (RFC 9110 §15.4.8); `private, no-store` because the URL expires and
 * belongs to this viewer, so no cache may hand it to another or keep it past its life.
 */
export function temporaryRedirect(location: string): Plan {
  return textPlan(307, 'Temporary Redirect', { Location: location, 'Cache-Control': 'private, no-store' });
}

/**
 * Drops the body of a plan for HEAD, keeping the status and every header GET would send.
 *
 * Where the anchors disagree: §14.2 defines range handling for GET only and says to ignore Range on
 * other methods, while §9.3.2 says HEAD should carry the header fields GET would have. We answer
 * HEAD with Range as GET (206 or 416 with its Content-Range), as nginx, Go's ServeContent and
 * send do: HEAD is how tools ask "what would this GET return?", and a 200 would answer a different
 * question. The cost: a strict reading of §14.2 expects 200 there.
 */
function forMethod(plan: Plan, method: string): Plan {
  return method === 'HEAD' ? { ...plan, body: { type: 'none' } } : plan;
}

/**
 * The request header fields decide() reads, lower-case: all a door needs to copy out of a request
 * whose fields are not a plain object already (a Fetch API Headers, which is costly to turn into one).
 */
export const DECIDING_FIELDS = ['range', 'if-range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'] as const;

/**
 * Decides the whole answer to a GET or HEAD for one representation, reading top to bottom in the
 * order of RFC 9110 §13.2.2: preconditions (412, 304), then If-Range, then Range (206, 416), else 200.
 * `representation` undefined means the source has no such file.
 */
export function decide(request: RequestInfo, representation: Representation | undefined, options: DecideOptions): Plan {
  const { method } = request;
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed();
  return forMethod(decideGet(request, representation, options), method);
}

/** decide() for GET; HEAD gets the same plan without its body. */
function decideGet(request: RequestInfo, representation: Representation | undefined, options: DecideOptions): Plan {
  const { method, headers } = request;
  if (representation === undefined) return notFound();

  const { size, mtimeMs } = representation;
  const etag = representation.etag ?? makeEtag(size, mtimeMs);
  const now = Math.floor(options.now / 1000);
  // §8.8.2.1: a modification time in the future (a clock ahead, a file copied with its stamp) MUST be
  // replaced by the message's origination date, which `now` stands for.
  const lastModified = Math.min(Math.floor(mtimeMs / 1000), now);
  const validators: Validators = {
    // Ours is strong by construction; a store's tag is read as given.
    etag: representation.etag === undefined ? { weak: false, opaque: etag } : (parseEtag(etag) ?? { weak: false, opaque: etag }),
    lastModified,
    // §8.8.2.2: a date is strong only if it is at least a second before the answer's Date.
    lastModifiedStrong: lastModified + 1 <= now,
  };
  const cacheControl = options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  const lastModifiedText = formatHttpDate(lastModified);

  const precondition = evaluatePreconditions(method, headers, validators);
  if (precondition === 304) {
    // §15.4.5: only the fields a 200 would have carried that help a cache update its stored response.
    return { status: 304, headers: { 'Cache-Control': cacheControl, ETag: etag, 'Last-Modified': lastModifiedText }, body: { type: 'none' } };
  }
  if (precondition === 412) return textPlan(412, 'Precondition Failed');

  const fields: FileFields = {
    cacheControl,
    etag,
    lastModified: lastModifiedText,
    contentType: representation.contentType ?? contentTypeFor(options.name),
    disposition: options.download === undefined ? undefined : contentDisposition(options.download),
  };
  // The whole representation: the answer whenever Range does not apply (built only then).
  const whole = (): Plan => ({
    status: 200,
    headers: fileHeaders(fields, fields.contentType, size),
    body: size === 0 ? { type: 'none' } : { type: 'bytes', range: { start: 0, end: size - 1 } },
  });

  // Step 5: a Range whose If-Range does not hold is ignored (§13.1.5).
  const rangeHeader = header(headers, 'range');
  const ifRange = header(headers, 'if-range');
  if (rangeHeader === undefined || (ifRange !== undefined && !ifRangeHolds(ifRange, validators))) {
    return whole();
  }

  const parsed = parseRange(rangeHeader, size);
  if (parsed.type === 'ignore') return whole();
  if (parsed.type === 'unsatisfiable') {
    return textPlan(416, 'Range Not Satisfiable', { 'Accept-Ranges': 'bytes', 'Content-Range': unsatisfiedRange(size) });
  }

  if (parsed.ranges.length === 1) return singleRange(parsed.ranges[0]!, size, fields, options.maxChunk);

  // Several ranges. The boundary is drawn first because the coalescing gap is the size of a part header.
  const boundary = options.boundary();
  const overhead = frameMultipart([{ start: size, end: size }], size, fields.contentType, boundary).length;
  const ranges = coalesceRanges(parsed.ranges, overhead);
  if (ranges.length === 1) return singleRange(ranges[0]!, size, fields, options.maxChunk);
  // The abuse budget (the CVE-2011-3192 class): too many parts, or more bytes than the file itself,
  // and the client gets the file once as a 200 instead. §14.2 lets a server ignore Range for any reason.
  if (ranges.length > (options.maxRanges ?? DEFAULT_MAX_RANGES)) return whole();
  const multipart = frameMultipart(ranges, size, fields.contentType, boundary);
  if (multipart.length > size) return whole();
  return {
    status: 206,
    headers: fileHeaders(fields, multipart.contentType, multipart.length),
    body: { type: 'multipart', parts: multipart.parts, tail: multipart.tail },
  };
}

/** What every file answer (200, 206) carries besides its length. */
interface FileFields {
  cacheControl: string;
  etag: string;
  lastModified: string;
  contentType: string;
  disposition: string | undefined;
}

/**
 * The headers of a file answer, as one object literal: built by spreading a shared object instead,
 * it was the engine's largest cost in the probe profile.
 */
function fileHeaders(f: FileFields, contentType: string, length: number, range?: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    'Cache-Control': f.cacheControl,
    ETag: f.etag,
    'Last-Modified': f.lastModified,
    'Content-Type': contentType,
    'Content-Length': String(length),
  };
  if (range !== undefined) headers['Content-Range'] = range;
  if (f.disposition !== undefined) headers['Content-Disposition'] = f.disposition;
  return headers;
}

function singleRange(asked: ByteRange, size: number, fields: FileFields, maxChunk: number | undefined): Plan {
  // maxChunk caps the body of a single-range 206, open or closed: the 206 says exactly what it holds
  // and the player asks again from there (§15.3.7: a client reads Content-Range, not its own request).
  // Closed ranges are cut too because browsers send them for most of a file (Chromium asks
  // "bytes=65536-884735" once it knows where a WebM's index starts), so sparing them would leave the
  // cap toothless. A 200 is never cut: it has to be the whole representation.
  const range =
    maxChunk !== undefined && maxChunk > 0 && asked.end - asked.start + 1 > maxChunk
      ? { start: asked.start, end: asked.start + maxChunk - 1 }
      : asked;
  return {
    status: 206,
    headers: fileHeaders(fields, fields.contentType, range.end - range.start + 1, contentRange(range, size)),
    body: { type: 'bytes', range },
  };
}
