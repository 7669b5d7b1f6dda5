import { documentPlan } from '../http/decide.js';
import type { CatalogEntry } from '../media/catalog.js';
import type { AppContext, Call } from './context.js';
import type { EntryView } from './entry-json.js';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy, libraryPage, notFoundPage, watchPage, type SortOrder } from './pages.js';

/** Pages are made per request from what is known now (revalidated every time), and run only our own files' code. */
async function html(app: AppContext, status: number, text: string) {
  const origin = await app.source.redirectOrigin?.();
  const policy = origin === undefined ? CONTENT_SECURITY_POLICY : contentSecurityPolicy([origin]);
  return documentPlan(status, 'text/html; charset=utf-8', text, { 'Cache-Control': 'no-cache', 'Content-Security-Policy': policy });
}

function sortItems(items: EntryView[], order: SortOrder): EntryView[] {
  const byName = (a: EntryView, b: EntryView) => a.path.localeCompare(b.path);
  if (order === 'date') return items.sort((a, b) => b.modified.localeCompare(a.modified) || byName(a, b));
  if (order === 'duration') return items.sort((a, b) => (b.duration ?? -1) - (a.duration ?? -1) || byName(a, b));
  return items.sort(byName);
}

/** GET /: the library, filtered (`q`) and sorted (`sort`) on the server, so it works without JavaScript. */
export async function library(app: AppContext, call: Call, query: URLSearchParams): Promise<void> {
  await app.catalog.catchUp();
  const all = app.catalog.list();
  const q = (query.get('q') ?? '').trim();
  const needle = q.toLowerCase();
  const sort = (['name', 'date', 'duration'] as const).find((s) => s === query.get('sort')) ?? 'name';
  // Filtered before the views are made: a view costs a hash and, with signing, HMACs.
  const matches = q === '' ? all : all.filter((entry) => entry.path.toLowerCase().includes(needle));
  const items = sortItems(matches.map(await app.viewer(call)), sort);
  const view = { items, total: all.length, query: q, sort, posters: await app.postersOn(), scan: app.catalog.status };
  call.send(await html(app, 200, libraryPage(await app.page(call), view)));
}

/** GET /watch/<key>: the player, with the previous and next files of the same folder. */
export async function watch(app: AppContext, call: Call, key: string | undefined): Promise<void> {
  await app.catalog.catchUp();
  const entry = await app.entry(key);
  if (entry === undefined) return notFound(app, call);
  const view = await app.viewer(call);
  const item = view(entry);
  // Neighbours in the same folder only: views (and signed links) for those, not the whole library.
  const folder = item.folder === '' ? '' : `${item.folder}/`;
  const inFolder = app.catalog.list().filter((e) => e.path.startsWith(folder) && !e.path.slice(folder.length).includes('/'));
  const i = inFolder.findIndex((e) => e.path === entry.path);
  const neighbour = (e: CatalogEntry | undefined) => (e === undefined ? undefined : view(e));
  const page = { item, previous: neighbour(inFolder[i - 1]), next: neighbour(inFolder[i + 1]), posters: await app.postersOn() };
  call.send(await html(app, 200, watchPage(await app.page(call), page)));
}

/** The page for a path no route has (or an entry there is none of). */
export async function notFound(app: AppContext, call: Call): Promise<void> {
  call.send(await html(app, 404, notFoundPage(await app.page(call))));
}
