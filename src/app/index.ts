/**
 * seekable/app: the application `seekable serve` runs (library, player, media bytes, posters,
 * subtitles, JSON API) as one node:http listener and Express middleware, on a folder or any listable
 * source, mountable under a path prefix.
 */
export { createApp, defaultCacheDir, type App, type AppOptions } from './app.js';
export type { Catalog, CatalogEntry, ScanProgress } from '../media/catalog.js';
export type { EntryView } from './entry-json.js';
