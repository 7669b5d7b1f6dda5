import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import path from 'node:path';
import { documentPlan, methodNotAllowed, notFound, textPlan, type Plan } from '../http/decide.js';
import { Catalog, type CatalogEntry, type ScanProgress } from '../media/catalog.js';
import { Posters, posterVersion } from '../media/posters.js';
import { resourceReader } from '../media/resource-reader.js';
import { decodeSubtitles, srtToVtt } from '../media/srt-to-vtt.js';
import { checkNodeCall, handlerOver, type HandlerOptions } from '../serve/handler.js';
import { keyFromPath, splitUrl } from '../serve/request-target.js';
import { Responder } from '../serve/responder.js';
import { refusal, signQuery } from '../serve/signing.js';
import { openFile } from '../source/file/file-resource.js';
import { FileSource } from '../source/file/file-source.js';
import type { ListableSource } from '../source/types.js';
import { entryView, type EntryView, type Signer } from './entry-json.js';
import { libraryPage, notFoundPage, watchPage, type SortOrder } from './pages.js';
import { BYTE_ROUTES, matchRoute, normalizeBasePath, underBase } from './routes.js';

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
  /** Receives scan progress (the CLI draws a bar with it). */
  onScanProgress?: (progress: ScanProgress) => void;
  /** With `secrets`: how long the links the pages and the API hand out stay valid (default 1 h). */
  signTtl?: number;
}

/** The app: a node:http listener that is also Express middleware, its catalog, and close(). */
export interface App {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  readonly catalog: Catalog;
  /** Lets go of what the app keeps: open files, buffers, timers. */
  close(): void;
}

/** Long-lived and validated: a poster URL carries the video's version, so it never needs refreshing. */
const POSTER_CACHE = 'public, max-age=31536000, immutable';
/** Subtitles larger than this are not subtitles. */
const MAX_SUBTITLES = 10 * 1024 * 1024;
/** The longest a page waits for the check that ffmpeg is there (started with the app) before it renders without posters. */
const POSTER_CHECK_WAIT_MS = 200;

export function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'seekable');
}

const html = (status: number, text: string) => documentPlan(status, 'text/html; charset=utf-8', text, { 'Cache-Control': 'no-cache' });
const json = (status: number, data: unknown) =>
  documentPlan(status, 'application/json; charset=utf-8', `${JSON.stringify(data)}\n`, { 'Cache-Control': 'no-cache' });

function sortItems(items: EntryView[], order: SortOrder): EntryView[] {
  const byName = (a: EntryView, b: EntryView) => a.path.localeCompare(b.path);
  if (order === 'date') return items.sort((a, b) => b.modified.localeCompare(a.modified) || byName(a, b));
  if (order === 'duration') return items.sort((a, b) => (b.duration ?? -1) - (a.duration ?? -1) || byName(a, b));
  return items.sort(byName);
}

/** The `seekable serve` application: library, player, media bytes, posters, subtitles and API, on any listable source. */
export function createApp(options: AppOptions): App {
  if ((options.root === undefined) === (options.source === undefined)) throw new TypeError('createApp needs either root (a folder) or source');
  const source = options.source ?? new FileSource(options.root!, options);
  const basePath = normalizeBasePath(options.basePath);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const where = options.root === undefined ? 'source' : path.resolve(options.root);
  const catalog = new Catalog(source, {
    cacheFile: path.join(cacheDir, `catalog-${createHash('sha1').update(where).digest('hex').slice(0, 12)}.json`),
    onProgress: options.onScanProgress,
  });
  const posters = new Posters(path.join(cacheDir, 'posters'));
  // Started now, so that the first page does not wait for ffmpeg to answer.
  const postersCheck = options.posters === false ? Promise.resolve(false) : posters.available();
  let postersKnown: boolean | undefined;
  void postersCheck.then((on) => (postersKnown = on));
  const responder = new Responder(options);
  const media = handlerOver(source, options, responder, options.source === undefined);
  const secrets = options.secrets?.length ? options.secrets : undefined;

  /** Whether pages show posters: the ffmpeg check's answer, waited for briefly only at the very start. */
  const postersOn = async () =>
    postersKnown ?? (await Promise.race([postersCheck, new Promise<boolean>((r) => setTimeout(r, POSTER_CHECK_WAIT_MS, false))]));

  /**
   * Signs the links handed out now. Expiries are rounded up to a window (an hour, or the TTL when
   * shorter), so a link stays the same for a while and caches, posters above all, keep hitting;
   * a link is valid for between one and two windows' worth of TTL.
   */
  const signer = (): Signer | undefined => {
    if (secrets === undefined) return undefined;
    const ttl = options.signTtl ?? 3600;
    const window = Math.min(3600, ttl);
    const expires = Math.ceil((Date.now() / 1000 + ttl) / window) * window;
    return { expires, query: (key) => signQuery(key, secrets[0]!, { expires }) };
  };

  /** Everything one request's handlers need: its response, and the base its links start from. */
  interface Call {
    req: IncomingMessage;
    res: ServerResponse;
    /** The path prefix of every link this answer hands out: the Express mount path and the base path. */
    base: string;
    send(plan: Plan): void;
  }

  /** Makes the views of one response: one posters check and one signing expiry for all of them. */
  const viewer = async (call: Call) => {
    const on = await postersOn();
    const sign = signer();
    return (entry: CatalogEntry) => entryView(entry, { posters: on, signer: sign, base: call.base });
  };

  /** The catalog's entry for a key, once the source confirms it would still serve it. */
  async function lookup(key: string | undefined): Promise<CatalogEntry | undefined> {
    const entry = key === undefined ? undefined : catalog.get(key);
    if (entry === undefined) return undefined;
    const resource = await source.lookup(entry.path);
    resource?.release();
    return resource === undefined ? undefined : entry;
  }

  async function library(call: Call, query: URLSearchParams): Promise<void> {
    await catalog.catchUp();
    const all = catalog.list();
    const q = (query.get('q') ?? '').trim();
    const needle = q.toLowerCase();
    const sort = (['name', 'date', 'duration'] as const).find((s) => s === query.get('sort')) ?? 'name';
    // Filtered before the views are made: a view costs a hash and, with signing, HMACs.
    const matches = q === '' ? all : all.filter((entry) => entry.path.toLowerCase().includes(needle));
    const items = sortItems(matches.map(await viewer(call)), sort);
    call.send(html(200, libraryPage({ items, total: all.length, query: q, sort, posters: await postersOn(), scan: catalog.status })));
  }

  async function watch(call: Call, key: string | undefined): Promise<void> {
    await catalog.catchUp();
    const entry = await lookup(key);
    if (entry === undefined) return call.send(html(404, notFoundPage()));
    const view = await viewer(call);
    const item = view(entry);
    // Neighbours in the same folder only: views (and signed links) for those, not the whole library.
    const folder = item.folder === '' ? '' : `${item.folder}/`;
    const inFolder = catalog.list().filter((e) => e.path.startsWith(folder) && !e.path.slice(folder.length).includes('/'));
    const i = inFolder.findIndex((e) => e.path === entry.path);
    const neighbour = (e: CatalogEntry | undefined) => (e === undefined ? undefined : view(e));
    call.send(html(200, watchPage({ item, previous: neighbour(inFolder[i - 1]), next: neighbour(inFolder[i + 1]), posters: await postersOn() })));
  }

  async function api(call: Call, rest: string): Promise<void> {
    await catalog.catchUp();
    if (rest === '' || rest === '/') {
      const { done, total, finished } = catalog.status;
      return call.send(json(200, { scanning: !finished, progress: { done, total }, entries: catalog.list().map(await viewer(call)) }));
    }
    const entry = await lookup(keyFromPath(rest));
    if (entry === undefined) return call.send(json(404, { error: 'not found' }));
    call.send(json(200, (await viewer(call))(entry)));
  }

  async function poster(call: Call, key: string | undefined, version: string | null): Promise<void> {
    const entry = key === undefined ? undefined : catalog.get(key);
    const resource = entry === undefined ? undefined : await source.lookup(entry.path);
    try {
      const local = resource === undefined ? undefined : await source.localPath?.(entry!.path);
      const file = resource === undefined ? undefined : await posters.get(entry!, local === undefined ? { resource } : { path: local });
      const image = file === undefined ? undefined : await openFile(file);
      if (image === undefined) return call.send(textPlan(404, 'No poster'));
      const current = version === posterVersion(entry!);
      await responder.respond(call.req, call.res, { resource: image, name: 'poster.jpg', cacheControl: current ? POSTER_CACHE : 'no-cache' });
    } finally {
      resource?.release();
    }
  }

  async function subtitles(call: Call, key: string | undefined): Promise<void> {
    if (key === undefined || !/\.(vtt|srt)$/i.test(key)) return call.send(notFound());
    const resource = await source.lookup(key);
    if (resource === undefined) return call.send(notFound());
    if (/\.vtt$/i.test(key)) return responder.respond(call.req, call.res, { resource, name: key });
    try {
      if (resource.size > MAX_SUBTITLES) return call.send(textPlan(413, 'Subtitle file too large'));
      const vtt = srtToVtt(decodeSubtitles(await resourceReader(resource).read(0, resource.size)));
      call.send(documentPlan(200, 'text/vtt; charset=utf-8', vtt, { 'Cache-Control': 'no-cache' }));
    } finally {
      resource.release();
    }
  }

  /** Liveness of the source: it can list its first file (an empty source is alive too). */
  async function healthz(call: Call): Promise<void> {
    const ok = await source.list('', { limit: 1 }).then(() => true, () => false);
    call.send(ok ? textPlan(200, 'ok') : textPlan(503, 'media source unavailable'));
  }

  async function route(call: Call, url: string, next: (() => void) | undefined): Promise<void> {
    const { req } = call;
    const { pathname, query } = splitUrl(url);
    const path = underBase(pathname, basePath);
    const matched = path === undefined ? undefined : matchRoute(path);
    if (matched === undefined) return next === undefined ? call.send(html(404, notFoundPage())) : next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return call.send(methodNotAllowed());
    const { name, rest } = matched;
    // Bytes of files need a signed link when signing is on; checked before any lookup, so a refusal
    // says nothing about whether the file exists. (/media/ is the handler's own, which checks the same.)
    const key = BYTE_ROUTES.has(name) || name === 'watch' ? keyFromPath(rest) : undefined;
    if (secrets !== undefined && (name === 'poster' || name === 'subtitles')) {
      const refused = refusal(key, query, secrets, Date.now() / 1000);
      if (refused !== undefined) return call.send(refused);
    }
    switch (name) {
      case 'media': {
        // What library users mount as createHandler, seeing the path under /media/ as a mounted handler does.
        const q = url.indexOf('?');
        return media.serve(req, call.res, q < 0 ? rest : rest + url.slice(q));
      }
      case 'poster':
        return poster(call, key, query.get('v'));
      case 'subtitles':
        return subtitles(call, key);
      case 'library':
        return library(call, query);
      case 'watch':
        return watch(call, key);
      case 'api':
        return api(call, rest);
      case 'healthz':
        return healthz(call);
      case 'assets':
        return call.send(notFound());
    }
  }

  const app = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    checkNodeCall(req, res);
    // Mounted in Express, req.url is already below the mount path, which req.baseUrl holds.
    const mount = (req as IncomingMessage & { baseUrl?: string }).baseUrl ?? '';
    const call: Call = { req, res, base: mount + basePath, send: (plan) => responder.sendPlan(req, res, plan) };
    route(call, req.url ?? '/', next && (() => next())).catch((err: unknown) => responder.fail(req, res, err));
  };
  return Object.assign(app, {
    catalog,
    close: () => media.handler.close(),
  });
}
