import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { methodNotAllowed } from '../http/decide.js';
import { Catalog, type ScanProgress } from '../media/catalog.js';
import { FaststartCache, type FaststartCacheOptions } from '../media/faststart-cache.js';
import { Ffmpeg } from '../media/ffmpeg.js';
import { metricsHandler } from '../metrics/handler.js';
import type { Metrics } from '../metrics/metrics.js';
import { Posters } from '../media/posters.js';
import { Previews } from '../media/previews.js';
import { checkNodeCall, handlerOver, type HandlerOptions } from '../serve/handler.js';
import { keyFromPath, splitUrl } from '../serve/request-target.js';
import { Responder } from '../serve/responder.js';
import { refusal } from '../serve/signing.js';
import { FileSource } from '../source/file/file-source.js';
import type { ListableSource } from '../source/types.js';
import { api } from './api-routes.js';
import { loadAssets } from './assets.js';
import { appContext, type Call } from './context.js';
import { asset, healthz, poster, readyz, subtitles } from './file-routes.js';
import { library, notFound, watch } from './page-routes.js';
import { stream } from './stream-route.js';
import { previews, previewTarget } from './preview-routes.js';
import { BYTE_ROUTES, matchRoute, normalizeBasePath, underBase } from './routes.js';

/** Options of createApp: the handler's options (ranges, caching, signing, the folder's rules), and the app's own. */
export interface AppOptions extends HandlerOptions {
  /** The folder of videos to serve (or give `source`). */
  root?: string;
  /** Any listable source of media instead of a folder: the whole app runs on it. */
  source?: ListableSource;
  /**
   * The path prefix the app lives under when a reverse proxy forwards a sub-path as it is
   * (`/videos`): every route, link, API URL and asset is then under it. Mounted in Express with
   * `app.use('/videos', createApp(...))`, leave it unset: Express strips the mount path itself and
   * the app takes it from `req.baseUrl` for its links.
   */
  basePath?: string;
  /** Where the catalog cache and posters are kept (default: $XDG_CACHE_HOME/seekable or ~/.cache/seekable). */
  cacheDir?: string;
  /** Make posters with ffmpeg when it is on the PATH (default true). */
  posters?: boolean;
  /** Make seek-bar previews with ffmpeg when it is on the PATH (default: as `posters`). */
  previews?: boolean;
  /** The ffmpeg binary that makes posters and previews (default "ffmpeg" on the PATH). */
  ffmpeg?: string;
  /** Receives scan progress (the CLI draws a bar with it). */
  onScanProgress?: (progress: ScanProgress) => void;
  /** With `secrets`: how long the links the pages and the API hand out stay valid (default 1 h). */
  signTtl?: number;
  /** Limits of the faststart views the player streams (`/stream/`): bytes of rebuilt moovs kept, largest moov rewritten. */
  faststart?: FaststartCacheOptions;
  /**
   * Counts the app's requests by route, its answers, streams and failures, its source's cache and its
   * catalog (seekable/metrics' `createMetrics()`), and serves them at GET /metrics unless
   * `metricsRoute` is false (when they are scraped from a listener of their own).
   */
  metrics?: Metrics;
  /** With `metrics`: answer GET /metrics on the app (default true). */
  metricsRoute?: boolean;
}

/** The app: a node:http listener that is also Express middleware, its catalog, and close(). */
export interface App {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  readonly catalog: Catalog;
  /**
   * Starts a shutdown: from now on /readyz answers 503, so that a load balancer sends new requests to
   * other nodes; everything else is still answered. Idempotent.
   */
  drain(): void;
  /** Lets go of what the app keeps: the open files of the folder it serves, the rebuilt moovs, and the ffmpeg jobs running. */
  close(): void;
}

/** Where the catalog cache and posters are kept by default: $XDG_CACHE_HOME/seekable, else ~/.cache/seekable. */
export function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'seekable');
}

/**
 * The `seekable serve` application: library, player, media bytes, posters, subtitles and JSON API
 * (the routes in routes.ts), on a folder or any listable source, under an optional base path.
 */
export function createApp(options: AppOptions): App {
  if ((options.root === undefined) === (options.source === undefined)) throw new TypeError('createApp needs either root (a folder) or source');
  const metrics = options.metrics;
  const source = options.source ?? new FileSource(options.root!, { ...options, observer: options.observer ?? metrics?.source });
  const basePath = normalizeBasePath(options.basePath);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  // The catalog cache is per source; a source that cannot say what it reads keeps none (two of them
  // would overwrite each other's).
  const catalog = new Catalog(source, {
    cacheFile:
      source.id === undefined ? undefined : path.join(cacheDir, `catalog-${createHash('sha1').update(source.id).digest('hex').slice(0, 12)}.json`),
    onProgress: options.onScanProgress,
    onScanned: metrics?.catalogScanned,
  });
  const responder = new Responder(options, true, metrics);
  const scrape = metrics !== undefined && options.metricsRoute !== false ? metricsHandler(metrics) : undefined;
  let draining = false;
  const assets = loadAssets();
  assets.catch(() => {}); // a missing build is reported by each page that needs it
  const faststart = new FaststartCache(options.faststart);
  // One ffmpeg runner for posters and previews: its bound on processes holds for both together.
  const ffmpeg = new Ffmpeg({ binary: options.ffmpeg });
  const posters = new Posters(path.join(cacheDir, 'posters'), { ffmpeg });
  const previewSets = new Previews(path.join(cacheDir, 'previews'), { ffmpeg });
  const app = appContext({ source, catalog, posters, previews: previewSets, faststart, responder, assets }, options);
  // /media/ is createHandler's own code over the same source, guards included.
  const media = handlerOver(source, options, responder, options.source === undefined);
  const secrets = options.secrets?.length ? options.secrets : undefined;

  async function route(call: Call, url: string, next: (() => void) | undefined, startedAt: number): Promise<void> {
    const { pathname, query } = splitUrl(url);
    const path = underBase(pathname, basePath);
    const matched = path === undefined ? undefined : matchRoute(path);
    if (matched === undefined && next !== undefined) return next();
    metrics?.request(call.req, call.res, matched?.name ?? 'none', startedAt);
    if (matched === undefined) return notFound(app, call);
    if (call.req.method !== 'GET' && call.req.method !== 'HEAD') return call.send(methodNotAllowed());
    const { name, rest } = matched;
    const decoded = BYTE_ROUTES.has(name) || name === 'watch' ? keyFromPath(rest) : undefined;
    // A previews path names a file of a video's previews; the video's key is what its link signs.
    const preview = name === 'previews' ? previewTarget(decoded) : undefined;
    const key = name === 'previews' ? preview?.key : decoded;
    // Bytes of files need a signed link when signing is on; checked before any lookup, so a refusal
    // says nothing about whether the file exists. (/media/ is the handler's, which checks the same.)
    if (secrets !== undefined && (name === 'poster' || name === 'previews' || name === 'subtitles')) {
      const refused = refusal(key, query, secrets, Date.now() / 1000);
      if (refused !== undefined) return call.send(refused);
    }
    switch (name) {
      case 'media': {
        // Served as a handler mounted at /media/ would serve it, with req.url left as it came.
        const q = url.indexOf('?');
        return media.serve(call.req, call.res, q < 0 ? rest : rest + url.slice(q));
      }
      case 'stream':
        return stream(app, call, rest, query, secrets);
      case 'poster':
        return poster(app, call, key, query.get('v'));
      case 'previews':
        return previews(app, call, preview, query);
      case 'subtitles':
        return subtitles(app, call, key);
      case 'library':
        return library(app, call, query);
      case 'watch':
        return watch(app, call, key);
      case 'api':
        return api(app, call, rest);
      case 'healthz':
        return healthz(app, call);
      case 'readyz':
        return readyz(app, call, draining);
      case 'metrics':
        return scrape === undefined ? notFound(app, call) : scrape(call.req, call.res);
      case 'assets':
        return asset(app, call, rest);
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    checkNodeCall(req, res);
    // Mounted in Express, req.url is already below the mount path, which req.baseUrl holds.
    const mount = (req as IncomingMessage & { baseUrl?: string }).baseUrl ?? '';
    const call: Call = { req, res, base: mount + basePath, send: (plan) => responder.sendPlan(req, res, plan) };
    route(call, req.url ?? '/', next && (() => next()), metrics === undefined ? 0 : performance.now()).catch((err: unknown) =>
      responder.fail(req, res, err),
    );
  };
  const close = () => {
    media.handler.close();
    faststart.close();
    ffmpeg.close();
  };
  return Object.assign(listener, {
    catalog,
    drain: () => {
      draining = true;
    },
    close,
  });
}
