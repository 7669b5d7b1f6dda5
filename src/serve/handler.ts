import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { accelRedirectPlan, normalizeAccelPrefix } from '../http/accel-redirect.js';
import { DEFAULT_CACHE_CONTROL, methodNotAllowed } from '../http/decide.js';
import { FileSource, type FileSourceOptions } from '../source/file/file-source.js';
import { openFile } from '../source/file/file-resource.js';
import type { Resource, Source } from '../source/types.js';
import { findTarget } from './find-target.js';
import type { MetricsHooks } from './metrics-hooks.js';
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
  /**
   * Offload to nginx: once a request is allowed (method, signed link) and its file found, answer with
   * an empty 200 carrying `X-Accel-Redirect: <prefix>/<key, percent-encoded>` instead of the bytes, for
   * an nginx `internal` location under that prefix to serve (deploy/nginx/seekable-offload.conf).
   * nginx then answers Range and conditional requests itself.
   */
  accelRedirect?: string;
  /**
   * Counts requests, answers, bytes, streams, failures and the source's cache (seekable/metrics'
   * `createMetrics()`); a source the handler makes from a path reports to `metrics.source` unless
   * `observer` says otherwise.
   */
  metrics?: MetricsHooks;
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
  const source = owned ? new FileSource(root, { ...options, observer: options.observer ?? options.metrics?.source }) : root;
  return handlerOver(source, options, new Responder(options, true, options.metrics), owned).handler;
}

/**
 * createHandler over a source, answering through `responder` (shared with the app it is part of):
 * the handler, and `serve`, which answers a request for the given path and query as the handler would
 * answer its URL (the app's /media/ route, which must leave req.url as it came for the access log).
 */
export function handlerOver(source: Source, options: HandlerOptions, responder: Responder, ownsSource: boolean) {
  const secrets = options.secrets?.length ? options.secrets : undefined;
  const accelPrefix = options.accelRedirect === undefined ? undefined : normalizeAccelPrefix(options.accelRedirect);
  const cacheControl = options.cacheControl ?? DEFAULT_CACHE_CONTROL;

  /** `counted`: tells the metrics that this request is ours, once that is known (a request passed to `next` is not). */
  function serveUrl(req: IncomingMessage, res: ServerResponse, url: string, next?: (err?: unknown) => void, counted?: () => void): void {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      if (next) next();
      else {
        counted?.();
        responder.sendPlan(req, res, methodNotAllowed());
      }
      return;
    }
    const { pathname, query } = splitUrl(url);
    // Once more at most: when the first read finds the object replaced since its lookup was kept.
    const answer = (retry: boolean): Promise<void> =>
      findTarget(source, pathname, query, secrets).then(({ refused, target }) => {
        if (refused === undefined && target.resource === undefined && next !== undefined) return next();
        counted?.();
        if (refused !== undefined) return responder.sendPlan(req, res, refused);
        if (accelPrefix !== undefined && target.resource !== undefined) {
          // nginx reads the file itself: nothing of this lookup is needed beyond the answer.
          target.resource.release();
          const { name, download } = target;
          return responder.sendPlan(
            req,
            res,
            accelRedirectPlan(accelPrefix, name, target.resource, { cacheControl: target.cacheControl ?? cacheControl, download }),
          );
        }
        return responder.respond(req, res, target, retry ? () => answer(false) : undefined);
      });
    answer(true).catch((err: unknown) => {
      counted?.();
      responder.fail(req, res, err);
    });
  }

  const metrics = options.metrics;
  const handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    checkNodeCall(req, res);
    if (metrics === undefined) return serveUrl(req, res, req.url ?? '/', next);
    const at = performance.now(); // the request's arrival, though it is counted only once known to be ours
    let told = false;
    serveUrl(req, res, req.url ?? '/', next, () => {
      if (told) return;
      told = true;
      metrics.request(req, res, 'media', at);
    });
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
