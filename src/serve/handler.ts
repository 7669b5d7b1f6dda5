import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { methodNotAllowed } from '../http/decide.js';
import { FileSource, type FileSourceOptions } from '../source/file/file-source.js';
import { openFile } from '../source/file/file-resource.js';
import type { Resource, Source } from '../source/types.js';
import { findTarget } from './find-target.js';
import { splitUrl } from './request-target.js';
import type { SendOptions } from './plan-for.js';
import { Responder } from './responder.js';

/** Options of createHandler: how answers are made, the folder's rules when it is given a path, and signing. */
export interface HandlerOptions extends SendOptions, FileSourceOptions {
  /**
   * When set, every request needs a signed link (see signing.ts): the first secret is the one
   * `signQuery` should use, and all of them are accepted, for key rotation.
   */
  secrets?: readonly string[];
}

/**
 * A node:http listener that is also Express/Connect middleware: `next` is called for what is not ours.
 * `close()` lets go of what it keeps: the open files of the source it made from a path (a source you
 * gave it stays yours to close).
 */
export interface Handler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /**
   * node:http2's compatibility API (`http2.createServer(handler)`, `http2.createSecureServer({
   * allowHTTP1: true, cert, key }, handler)`): its request and response answer every call made here.
   */
  (req: Http2ServerRequest, res: Http2ServerResponse): void;
  /** Where the bytes come from: the FileSource made from a path, or the source given. */
  readonly source: Source;
  close(): void;
}

/**
 * Serves the files under `root` (a directory, or any Source) by URL path, e.g. `/clips/a.mp4`.
 * Mounted in Express with `app.use('/media', handler)`, the mount prefix is already stripped.
 * With `next` (middleware), requests for missing files and for methods other than GET and HEAD
 * are passed on; without it they get 404 and 405. `?download=1` answers as a download.
 */
export function createHandler(root: string | Source, options: HandlerOptions = {}): Handler {
  const owned = typeof root === 'string';
  const source = owned ? new FileSource(root, options) : root;
  return handlerOver(source, options, new Responder(options), owned).handler;
}

/**
 * createHandler over a source, answering through `responder` (shared with the app it is part of):
 * the handler, and `serve`, which answers a request for the given path and query as the handler would
 * answer its URL (the app's /media/ route, which must leave req.url as it came for the access log).
 */
export function handlerOver(source: Source, options: HandlerOptions, responder: Responder, ownsSource: boolean) {
  const secrets = options.secrets?.length ? options.secrets : undefined;

  function serveUrl(req: IncomingMessage, res: ServerResponse, url: string, next?: (err?: unknown) => void): void {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      if (next) next();
      else responder.sendPlan(req, res, methodNotAllowed());
      return;
    }
    const { pathname, query } = splitUrl(url);
    // Once more at most: when the first read finds the object replaced since its lookup was kept.
    const answer = (retry: boolean): Promise<void> =>
      findTarget(source, pathname, query, secrets).then(({ refused, target }) => {
        if (refused !== undefined) return responder.sendPlan(req, res, refused);
        if (target.resource === undefined && next !== undefined) return next();
        return responder.respond(req, res, target, retry ? () => answer(false) : undefined);
      });
    answer(true).catch((err: unknown) => responder.fail(req, res, err));
  }

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    checkNodeCall(req, res);
    serveUrl(req, res, req.url ?? '/', next);
  };
  return {
    handler: Object.assign(handler, { source, close: () => (ownsSource ? source.close?.() : undefined) }) as Handler,
    serve: serveUrl,
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
  options: SendOptions & { download?: boolean | string; cacheControl?: string } = {},
): Promise<void> {
  checkNodeCall(req, res);
  let resource: Resource | undefined;
  try {
    resource = await openFile(filePath);
  } catch (err) {
    new Responder(options, false).fail(req, res, err);
    return;
  }
  await sendResource(req, res, resource, { ...options, name: filePath.slice(filePath.lastIndexOf('/') + 1) });
}

/** Per-call options of sendResource: the name it is served under, a download, a Cache-Control. */
export interface SendResourceOptions extends SendOptions {
  /** The file name: gives the Content-Type when the resource has none, and the download's name. */
  name: string;
  /** Answer as a download; `true` uses `name`. */
  download?: boolean | string;
  cacheControl?: string;
}

/**
 * Serves a resource your own code looked up (from any source: bufferResource for bytes in memory),
 * with the full range and conditional semantics; undefined answers 404. The resource is released
 * when the answer is over.
 */
export async function sendResource(
  req: IncomingMessage,
  res: ServerResponse,
  resource: Resource | undefined,
  options: SendResourceOptions,
): Promise<void> {
  checkNodeCall(req, res);
  // No buffers kept between calls: a function has nothing to own them.
  const responder = new Responder(options, false);
  const download = options.download === true ? options.name : options.download || undefined;
  await responder.respond(req, res, { resource, name: options.name, download, cacheControl: options.cacheControl });
}

/**
 * A wrong call fails at once with a TypeError, before anything could answer it: a Fetch Request (or
 * anything else) where node:http's request and response belong would otherwise fail deep inside, on
 * the error path itself.
 */
export function checkNodeCall(req: IncomingMessage, res: ServerResponse): void {
  const request = req as Partial<IncomingMessage> | undefined;
  const response = res as Partial<ServerResponse> | undefined;
  if (typeof request?.headers !== 'object' || request.socket === undefined || typeof response?.writeHead !== 'function') {
    const got =
      request !== null && typeof request === 'object' && typeof (request as { arrayBuffer?: unknown }).arrayBuffer === 'function'
        ? 'a Fetch API Request'
        : typeof request;
    throw new TypeError(`seekable: expected node:http's (req, res), got ${got}; a Fetch API door is not this function`);
  }
}
