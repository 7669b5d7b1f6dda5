import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import path from 'node:path';
import { methodNotAllowed, notFound, textPlan } from '../http/decide.js';
import { Catalog, type CatalogEntry, type ScanProgress } from '../media/catalog.js';
import { Posters, posterVersion } from '../media/posters.js';
import { decodeSubtitles, srtToVtt } from '../media/srt-to-vtt.js';
import { resourceReader } from '../media/resource-reader.js';
import { keyFromPath, sendFile, serveKey, splitUrl, type HandlerOptions } from '../serve/handler.js';
import { fail, sendPlan } from '../serve/send.js';
import { FileSource } from '../source/file-source.js';
import { ASSET_PREFIX, loadAssets } from './assets.js';
import { entryView, type EntryView, type Signer } from './entry-json.js';
import { refusal, signQuery } from '../serve/signing.js';
import { CONTENT_SECURITY_POLICY, libraryPage, notFoundPage, watchPage, type PageContext, type SortOrder } from './pages.js';
import { sendAsset } from './send-asset.js';

export interface AppOptions extends HandlerOptions {
  /** The folder of videos to serve. */
  root: string;
  /** Where the catalog cache and posters are kept (default: $XDG_CACHE_HOME/seekable or ~/.cache/seekable). */
  cacheDir?: string;
  /** Make posters with ffmpeg when it is on the PATH (default true). */
  posters?: boolean;
  /** Receives scan progress (the CLI draws a bar with it). */
  onScanProgress?: (progress: ScanProgress) => void;
  /** With `secrets`: how long the links the pages and the API hand out stay valid (default 1 h). */
  signTtl?: number;
}

export type App = ((req: IncomingMessage, res: ServerResponse) => void) & { catalog: Catalog };

/** Long-lived and validated: a poster URL carries the video's version, so it never needs refreshing. */
const POSTER_CACHE = 'public, max-age=31536000, immutable';
/** Subtitles larger than this are not subtitles. */
const MAX_SUBTITLES = 10 * 1024 * 1024;

export function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'seekable');
}

function sendBody(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string, cache = 'no-cache', headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': String(bytes.length), 'Cache-Control': cache });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

const PAGE_HEADERS = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY };
const sendHtml = (req: IncomingMessage, res: ServerResponse, status: number, html: string) =>
  sendBody(req, res, status, 'text/html; charset=utf-8', html, 'no-cache', PAGE_HEADERS);
const sendJson = (req: IncomingMessage, res: ServerResponse, status: number, data: unknown) =>
  sendBody(req, res, status, 'application/json; charset=utf-8', `${JSON.stringify(data)}\n`);

/** Routes that serve bytes of files, the ones signed links guard. */
const BYTE_ROUTES = ['/media/', '/poster/', '/subtitles/'] as const;

/** The key a path names under a route prefix (which ends in "/"; keyFromPath drops that one slash). */
const keyUnder = (pathname: string, prefix: string) => keyFromPath(pathname.slice(prefix.length - 1));

function sortItems(items: EntryView[], order: SortOrder): EntryView[] {
  const byName = (a: EntryView, b: EntryView) => a.path.localeCompare(b.path);
  if (order === 'date') return items.sort((a, b) => b.modified.localeCompare(a.modified) || byName(a, b));
  if (order === 'duration') return items.sort((a, b) => (b.duration ?? -1) - (a.duration ?? -1) || byName(a, b));
  return items.sort(byName);
}

/** The `seekable serve` application: the URL contract of DESIGN.md as one request listener. */
export function createApp(options: AppOptions): App {
  const source = new FileSource(options.root, options);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const rootId = createHash('sha1').update(path.resolve(options.root)).digest('hex').slice(0, 12);
  const catalog = new Catalog(source, {
    cacheFile: path.join(cacheDir, `catalog-${rootId}.json`),
    onProgress: options.onScanProgress,
  });
  const posters = new Posters(path.join(cacheDir, 'posters'));
  // Read once; a missing build fails each request that needs the assets (a 500 and a log line saying so).
  const assets = loadAssets();
  assets.catch(() => {});
  const page = async (): Promise<PageContext> => ({ base: '', assets: (await assets).urls });
  const downloadOptions = { ...options, download: true }; // made once, not per request
  const postersOn = async () => options.posters !== false && (await posters.available());
  const secrets = options.secrets?.length ? options.secrets : undefined;
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
  /** Makes the views of one response: one posters check and one signing expiry for all of them. */
  const viewer = async () => {
    const on = await postersOn();
    const sign = signer();
    return (entry: CatalogEntry) => entryView(entry, on, sign);
  };
  /** The refusal when signing is on and the request's token does not open `key`. */
  const refused = (key: string | undefined, query: URLSearchParams) =>
    secrets === undefined ? undefined : refusal(key, query, secrets, Date.now() / 1000);

  async function library(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const all = catalog.list();
    const q = (query.get('q') ?? '').trim();
    const needle = q.toLowerCase();
    const sort = (['name', 'date', 'duration'] as const).find((s) => s === query.get('sort')) ?? 'name';
    // Filtered before the views are made: a view costs a hash and, with signing, HMACs.
    const matches = q === '' ? all : all.filter((entry) => entry.path.toLowerCase().includes(needle));
    const items = sortItems(matches.map(await viewer()), sort);
    sendHtml(req, res, 200, libraryPage(await page(), { items, total: all.length, query: q, sort, posters: await postersOn(), scan: catalog.status }));
  }

  /** The catalog's entry for a key and its real path, after making sure the source would still serve it. */
  async function lookup(key: string | undefined): Promise<(CatalogEntry & { real: string }) | undefined> {
    if (key === undefined) return undefined;
    const entry = catalog.get(key);
    const real = entry === undefined ? undefined : await source.resolve(key);
    return entry === undefined || real === undefined ? undefined : { ...entry, real };
  }

  async function watch(req: IncomingMessage, res: ServerResponse, key: string | undefined): Promise<void> {
    const entry = await lookup(key);
    if (entry === undefined) return sendHtml(req, res, 404, notFoundPage(await page()));
    const view = await viewer();
    const item = view(entry);
    // Neighbours in the same folder only: views (and signed links) for those, not the whole library.
    const folder = item.folder === '' ? '' : `${item.folder}/`;
    const inFolder = catalog.list().filter((e) => e.path.startsWith(folder) && !e.path.slice(folder.length).includes('/'));
    const i = inFolder.findIndex((e) => e.path === entry.path);
    const neighbour = (e: CatalogEntry | undefined) => (e === undefined ? undefined : view(e));
    const [previous, next] = [neighbour(inFolder[i - 1]), neighbour(inFolder[i + 1])];
    sendHtml(req, res, 200, watchPage(await page(), { item, previous, next, posters: await postersOn() }));
  }

  async function poster(req: IncomingMessage, res: ServerResponse, key: string | undefined, version: string | null): Promise<void> {
    const entry = await lookup(key);
    const file = entry === undefined ? undefined : await posters.get(entry, entry.real);
    if (entry === undefined || file === undefined) return sendPlan(req, res, textPlan(404, 'No poster'));
    const current = version === posterVersion(entry);
    await sendFile(req, res, file, { ...options, cacheControl: current ? POSTER_CACHE : 'no-cache' });
  }

  async function subtitles(req: IncomingMessage, res: ServerResponse, key: string | undefined): Promise<void> {
    if (key === undefined || !/\.(vtt|srt)$/i.test(key)) return sendPlan(req, res, notFound());
    if (/\.vtt$/i.test(key)) {
      await serveKey(req, res, source, key, options);
      return;
    }
    const resource = await source.stat(key);
    if (resource === undefined) return sendPlan(req, res, notFound());
    try {
      if (resource.size > MAX_SUBTITLES) return sendPlan(req, res, textPlan(413, 'Subtitle file too large'));
      const vtt = srtToVtt(decodeSubtitles(await resourceReader(resource).read(0, resource.size)));
      sendBody(req, res, 200, 'text/vtt; charset=utf-8', vtt);
    } finally {
      resource.release();
    }
  }

  async function api(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    if (rest === '' || rest === '/') {
      const { done, total, finished } = catalog.status;
      return sendJson(req, res, 200, { scanning: !finished, progress: { done, total }, entries: catalog.list().map(await viewer()) });
    }
    const entry = await lookup(keyFromPath(rest));
    if (entry === undefined) return sendJson(req, res, 404, { error: 'not found' });
    sendJson(req, res, 200, (await viewer())(entry));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname, query } = splitUrl(req.url ?? '/');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendPlan(req, res, methodNotAllowed());
    // Bytes of files need a signed link when signing is on; checked before any lookup, so a refusal
    // says nothing about whether the file exists.
    const bytes = BYTE_ROUTES.find((prefix) => pathname.startsWith(prefix));
    if (bytes !== undefined) {
      const key = keyUnder(pathname, bytes);
      const denied = refused(key, query);
      if (denied !== undefined) return sendPlan(req, res, denied);
      if (bytes === '/media/') {
        await serveKey(req, res, source, key, query.get('download') === '1' ? downloadOptions : options);
        return;
      }
      if (bytes === '/poster/') return poster(req, res, key, query.get('v'));
      return subtitles(req, res, key);
    }
    if (pathname.startsWith(ASSET_PREFIX)) {
      const file = (await assets).files.get(pathname.slice(ASSET_PREFIX.length));
      return file === undefined ? sendPlan(req, res, notFound()) : sendAsset(req, res, file);
    }
    if (pathname === '/') return library(req, res, query);
    if (pathname.startsWith('/watch/')) return watch(req, res, keyUnder(pathname, '/watch/'));
    if (pathname === '/api/library' || pathname.startsWith('/api/library/')) return api(req, res, pathname.slice('/api/library'.length));
    if (pathname === '/healthz') {
      const ok = await stat(options.root).then((s) => s.isDirectory(), () => false);
      return sendPlan(req, res, ok ? textPlan(200, 'ok') : textPlan(503, 'media folder unavailable'));
    }
    sendHtml(req, res, 404, notFoundPage(await page()));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: unknown) => fail(req, res, err, options.log));
  };
  return Object.assign(listener, { catalog });
}
