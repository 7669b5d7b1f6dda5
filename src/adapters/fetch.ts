/**
 * seekable/fetch: the Fetch API door, `(request: Request) => Promise<Response>`, for every runtime
 * that speaks it: Bun.serve, Deno.serve, Hono, a Next.js route handler, Node through @hono/node-server.
 * The door itself uses web standards only (Request, Response, ReadableStream); the file source it
 * makes from a path reads with node:fs, which Bun and Deno provide.
 */
import { DECIDING_FIELDS, methodNotAllowed, notFound, type Plan } from '../http/decide.js';
import { defaultLog, failurePlan, logFailure } from '../serve/failure.js';
import { type Found, findTarget } from '../serve/find-target.js';
import { planFor, type SendOptions, type Target } from '../serve/plan-for.js';
import { splitUrl } from '../serve/request-target.js';
import { readBodyNow } from '../serve/send-body.js';
import { bodyStream } from '../serve/stream-writer.js';
import { FileSource, type FileSourceOptions } from '../source/file/file-source.js';
import type { Resource, Source } from '../source/types.js';

/** Options of createFetchHandler: how answers are made, the folder's rules when given a path, signing, and the mount. */
export interface FetchHandlerOptions extends SendOptions, FileSourceOptions {
  /** The path the files are served under, e.g. '/media' ('' or unset: at the root). */
  prefix?: string;
  /** When set, every request needs a signed link: the first secret signs, all are accepted. */
  secrets?: readonly string[];
}

/** Per-call options of fetchResponse: a download name, a Cache-Control, extra headers. */
export interface FetchResponseOptions extends SendOptions {
  /** Answer as a download; `true` uses the target's name. */
  download?: boolean | string;
  cacheControl?: string;
  /** Header fields added to every answer (never replacing the ones the engine decides). */
  headers?: Record<string, string>;
}

/** The Fetch API handler, its source, and close() for the files a source made from a path keeps open. */
export interface FetchHandler {
  (request: Request): Promise<Response>;
  readonly source: Source;
  close(): void;
}

/**
 * Serves the files under `root` (a directory, or any Source) by URL path under `prefix`: the key is
 * the path after it, decoded once. 404 outside the prefix and for missing keys, 405 for methods other
 * than GET and HEAD, `?download=1` for a download.
 */
export function createFetchHandler(root: string | Source, options: FetchHandlerOptions = {}): FetchHandler {
  const owned = typeof root === 'string';
  const source = owned ? new FileSource(root, options) : root;
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const secrets = options.secrets?.length ? options.secrets : undefined;
  const log = options.log ?? defaultLog;

  const handle = async (request: Request): Promise<Response> => {
    checkFetchCall(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') return fromPlan(request, methodNotAllowed());
    // A Request's URL is serialized already (no dot segments, percent-encoded where it must be): its
    // path and query are cut out of the string, not parsed again by `new URL`, which took 4 µs of a
    // 160 µs answer on Hono on Node.
    const { pathname, query } = splitUrl(withoutFragment(request.url));
    if (prefix !== '' && !pathname.startsWith(`${prefix}/`)) return fromPlan(request, notFound());
    let found: Found;
    try {
      found = await findTarget(source, pathname.slice(prefix.length), query, secrets);
    } catch (err) {
      return failure(request, err, log);
    }
    return found.refused !== undefined ? fromPlan(request, found.refused) : respondWith(request, found.target, options);
  };
  return Object.assign(handle, { source, close: () => (owned ? source.close?.() : undefined) });
}

/**
 * The Response to a request for one resource your own route looked up (behind your own checks), with
 * the full range and conditional semantics; undefined answers 404. The resource is released when the
 * body is over (or at once, when there is none).
 */
export function fetchResponse(request: Request, resource: Resource | undefined, name: string, options: FetchResponseOptions = {}): Response {
  checkFetchCall(request);
  const download = options.download === true ? name : options.download || undefined;
  return respondWith(request, { resource, name, download, cacheControl: options.cacheControl }, options);
}

function respondWith(request: Request, target: Target, options: SendOptions & { headers?: Record<string, string> }): Response {
  const { resource } = target;
  let plan: Plan;
  try {
    plan = planFor({ method: request.method, headers: decidingFields(request.headers) }, target, options);
  } catch (err) {
    resource?.release();
    return failure(request, err, options.log ?? defaultLog);
  }
  const headers = options.headers === undefined ? plan.headers : { ...options.headers, ...plan.headers };
  const { body } = plan;
  if (body.type === 'none' || body.type === 'text' || resource === undefined) {
    resource?.release();
    return new Response(body.type === 'text' && request.method !== 'HEAD' ? body.text : null, { status: plan.status, headers });
  }
  // A short range read at once goes out as one buffer: no web stream to make and drain, and a Response
  // @hono/node-server ends in one write and Bun.serve sends with its Content-Length.
  let whole: Buffer | undefined;
  try {
    whole = readBodyNow(body, resource);
  } catch (err) {
    resource.release();
    return failure(request, err, options.log ?? defaultLog);
  }
  if (whole !== undefined) {
    resource.release();
    return new Response(whole, { status: plan.status, headers });
  }
  // Bun sends a file-backed Blob (`Bun.file`) with sendfile, one copy fewer than this stream; it is
  // not used here. By path, Bun opens the file again when it sends, so a file replaced since the lookup
  // would go out under this one's headers. By descriptor, Bun 1.4.5 sends a whole file but resets or
  // stalls the connection for a slice (`Bun.file(fd).slice(10, 110)`), and never says when it is done
  // with the descriptor, so the resource could not be released at the right time.
  return new Response(
    bodyStream(body, resource, () => resource.release()),
    { status: plan.status, headers },
  );
}

/** A URL without its fragment, which names no part of the resource (RFC 3986 §3.5) and is not the key's. */
function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}

/**
 * The request's fields the engine reads, as the plain object it reads them from. Only those: turning
 * a whole Headers into an object iterates (sorts) every field, and on Hono on Node makes a full
 * Headers out of the request's own first, where `get` reads the node:http request's fields directly.
 */
function decidingFields(headers: Headers): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of DECIDING_FIELDS) {
    const value = headers.get(name);
    if (value !== null) fields[name] = value;
  }
  return fields;
}

function fromPlan(request: Request, plan: Plan): Response {
  const text = plan.body.type === 'text' && request.method !== 'HEAD' ? plan.body.text : null;
  return new Response(text, { status: plan.status, headers: plan.headers });
}

/** A fault of the source before any answer: one log line, and the answer every door gives (failure.ts). */
function failure(request: Request, err: unknown, log: (line: string) => void): Response {
  logFailure(log, request.method, new URL(request.url).pathname, err);
  return fromPlan(request, failurePlan(err));
}

/** A node:http request (or anything else) where a Fetch API Request belongs fails at once with a TypeError. */
function checkFetchCall(request: Request): void {
  // By shape, not instanceof: runtimes and frameworks (Hono on Node) hand over Requests of their own classes.
  const r = request as Partial<Request> | undefined;
  if (typeof r?.url !== 'string' || typeof r.method !== 'string' || typeof (r.headers as Partial<Headers> | undefined)?.get !== 'function') {
    throw new TypeError('seekable/fetch: expected a Fetch API Request; for node:http (req, res) use createHandler from seekable');
  }
}
