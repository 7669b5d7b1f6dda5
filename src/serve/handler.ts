import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed } from '../http/decide.js';
import { FileSource, type FileSourceOptions } from '../source/file-source.js';
import { openFile } from '../source/file-resource.js';
import type { Source } from '../source/types.js';
import { fail, respond, sendPlan, type SendOptions } from './send.js';
import { refusal } from './signing.js';

export interface HandlerOptions extends SendOptions, FileSourceOptions {
  /**
   * When set, every request needs a signed link (see signing.ts): the first secret is the one
   * `signQuery` should use, and all of them are accepted, for key rotation.
   */
  secrets?: readonly string[];
}

/** A node:http listener that is also Express/Connect middleware: `next` is called for what is not ours. */
export type Handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

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
  return q < 0
    ? { pathname: target, query: NO_QUERY }
    : { pathname: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

/** Shared by every URL without a query (most media requests); read, never written. */
const NO_QUERY: URLSearchParams = new URLSearchParams();

/**
 * Serves a key from a source: the URL's query may ask for a download (`?download=1`).
 * Returns false, having sent nothing, when the source has no such key and `fallthrough` is set.
 */
export async function serveKey(
  req: IncomingMessage,
  res: ServerResponse,
  source: Source,
  key: string | undefined,
  options: SendOptions & { download?: boolean; fallthrough?: boolean },
): Promise<boolean> {
  let resource;
  try {
    resource = key === undefined ? undefined : await source.stat(key);
  } catch (err) {
    fail(req, res, err, options.log);
    return true;
  }
  if (resource === undefined && options.fallthrough) return false;
  const name = key ?? '';
  await respond(req, res, resource, name, options, options.download ? name : undefined); // contentDisposition keeps the last segment
  return true;
}

/**
 * Serves the files under `root` (a directory, or any Source) by URL path, e.g. `/clips/a.mp4`.
 * Mounted in Express with `app.use('/media', handler)`, the mount prefix is already stripped.
 * With `next` (middleware), requests for missing files and for methods other than GET and HEAD
 * are passed on; without it they get 404 and 405.
 */
export function createHandler(root: string | Source, options: HandlerOptions = {}): Handler {
  const source = typeof root === 'string' ? new FileSource(root, options) : root;
  // The four combinations of download and fallthrough, made once: a spread of the options for every
  // request showed in the probe profile.
  const variants = [false, true].map((download) => [false, true].map((fallthrough) => ({ ...options, download, fallthrough })));
  return (req, res, next) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      if (next) next();
      else sendPlan(req, res, methodNotAllowed());
      return;
    }
    const { pathname, query } = splitUrl(req.url ?? '/');
    const key = keyFromPath(pathname);
    const refused = options.secrets?.length ? refusal(key, query, options.secrets, Date.now() / 1000) : undefined;
    if (refused !== undefined) {
      sendPlan(req, res, refused);
      return;
    }
    const served = serveKey(req, res, source, key, variants[query.get('download') === '1' ? 1 : 0]![next !== undefined ? 1 : 0]!);
    if (next !== undefined) void served.then((done) => done || next());
  };
}

/**
 * Serves one file that your own route has resolved (no jail: the path is trusted), with the full range
 * and conditional semantics. 404 when it does not exist or is not a regular file.
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  filePath: string,
  options: SendOptions & { download?: boolean | string } = {},
): Promise<void> {
  let resource;
  try {
    resource = await openFile(filePath);
  } catch (err) {
    fail(req, res, err, options.log);
    return;
  }
  const name = filePath.slice(filePath.lastIndexOf('/') + 1);
  const download = options.download === true ? name : options.download || undefined;
  await respond(req, res, resource, name, options, download);
}
