import type { ScanProgress } from '../media/catalog.js';
import { shellWord } from '../media/playability.js';
import type { AssetUrls } from './assets.js';
import type { EntryView } from './entry-json.js';
import { formatDuration, formatResolution, formatSize } from './format.js';
import { escapeHtml as e, urlFor } from './html.js';

export type SortOrder = 'name' | 'date' | 'duration';

/** What every page needs besides its data: where the app is mounted, and its assets. */
export interface PageContext {
  /** The path prefix the app is mounted under, without a trailing slash: '' or e.g. '/videos'. */
  base: string;
  /** The assets' paths under the mount point (from loadAssets). */
  assets: AssetUrls;
}

/**
 * The Content-Security-Policy of the pages. The pages hold no inline script, style or event handler:
 * their code and style are files of our own origin, so an injected element or attribute cannot run.
 * Media, posters and the renewal fetch are same-origin too, except media from `mediaOrigins`: where a
 * source in redirect mode sends the player (a store's origin). blob: and data: cost nothing and leave
 * room for media the page makes itself.
 */
export function contentSecurityPolicy(mediaOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    ["media-src 'self' blob:", ...mediaOrigins].join(' '),
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** The pages' policy when media comes from our own origin only. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

function layout(page: PageContext, title: string, body: string, script?: 'library' | 'player'): string {
  const asset = (role: keyof AssetUrls) => e(`${page.base}${page.assets[role]}`);
  // A module script runs once the document is parsed, as a script at the end of <body> would.
  const code = script === undefined ? '' : `\n<script type="module" src="${asset(script)}"></script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<link rel="icon" href="${asset('icon')}" type="image/svg+xml">
<link rel="stylesheet" href="${asset('style')}">${code}
</head>
<body>
${body}
</body>
</html>
`;
}

const brand = (page: PageContext) => `<a class="brand" href="${e(page.base)}/">seek<b>able</b></a>`;

/** Data for a page's script, safe inside <script>: "<" cannot end the element. */
function jsonData(id: string, data: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
}

/** The file's extension, as a tag: song.mp3 and song.flac share a title, not a format. */
function formatTag(item: EntryView): string {
  const file = item.path.slice(item.path.lastIndexOf('/') + 1);
  const dot = file.lastIndexOf('.');
  return dot > 0 ? `<span class="format">${e(file.slice(dot + 1).toUpperCase())}</span>` : '';
}

/** "1.9 s" under a minute, else "2:03": how long a cut file plays. */
function seconds(value: number): string {
  return value < 60 ? `${value.toFixed(1)} s` : formatDuration(value);
}

function card(item: EntryView, posters: boolean): string {
  const facts = [formatResolution(item.width ?? undefined, item.height ?? undefined), formatSize(item.size)].filter(Boolean).join(' · ');
  const badges: string[] = [];
  if (item.error !== null) badges.push(`<span class="badge bad" title="${e(item.error)}">Unreadable</span>`);
  if (item.truncated) {
    const plays = item.playableDuration === null ? 'only its first part plays' : `it plays the first ${seconds(item.playableDuration)}`;
    const of = item.duration === null ? '' : ` of ${seconds(item.duration)}`;
    badges.push(
      `<span class="badge bad" title="${e(`The file ends early (a download or recording that stopped): ${plays}${of}.`)}">Truncated</span>`,
    );
  }
  if (item.faststart === false) {
    const why =
      'The index (moov) is at the end of the file: the browser must fetch the end before it can start, so it starts slower and seeks more. ' +
      `To fix it without re-encoding: seekable faststart ${shellWord(item.path)}`;
    badges.push(`<span class="badge" title="${e(why)}">Not web-optimized</span>`);
  }
  let picture: string;
  if (item.kind === 'audio') picture = '<span class="icon" aria-hidden="true">♪</span>';
  else if (posters && item.posterUrl !== null) {
    // A poster that fails to load is removed by the library script (no inline handlers under the CSP).
    picture = `<span class="icon" aria-hidden="true">▶</span><img src="${e(item.posterUrl)}" alt="" loading="lazy">`;
  } else {
    // No ffmpeg: the browser's own frame at about 10 %, loaded only once the card is on screen.
    const at = item.duration === null ? 1 : Math.round(item.duration * 0.1 * 10) / 10;
    picture = `<span class="icon" aria-hidden="true">▶</span><video muted preload="none" tabindex="-1" data-src="${e(`${item.url}#t=${at}`)}"></video>`;
  }
  // A cut file shows how much of it plays, not the length its headers promise.
  const length = item.truncated ? item.playableDuration : item.duration;
  const duration = length === null ? '' : `<span class="duration">${formatDuration(length)}</span>`;
  const verdicts = item.playability === null ? '' : ` data-playability="${e(JSON.stringify(item.playability))}"`;
  return `<li class="card" data-name="${e(item.path.toLowerCase())}"${item.mime === null ? '' : ` data-mime="${e(item.mime)}"`}${verdicts}>
<a href="${e(item.watchUrl)}"><div class="thumb">${picture}${formatTag(item)}${duration}</div>
<div class="meta"><span class="title">${e(item.title)}</span><span class="facts">${e(facts)}</span><span class="badges">${badges.join('')}</span></div></a>
</li>`;
}

export interface LibraryView {
  items: EntryView[];
  total: number;
  query: string;
  sort: SortOrder;
  posters: boolean;
  scan: ScanProgress;
}

export function libraryPage(page: PageContext, view: LibraryView): string {
  const folders = new Map<string, EntryView[]>();
  for (const item of view.items) {
    const list = folders.get(item.folder);
    if (list === undefined) folders.set(item.folder, [item]);
    else list.push(item);
  }
  const names = [...folders.keys()].sort((a, b) => a.localeCompare(b));
  const anchor = (folder: string) => `folder-${encodeURIComponent(folder || 'top')}`;
  const nav =
    names.length > 1
      ? `<nav class="folders" aria-label="Folders">${names.map((f) => `<a href="#${e(anchor(f))}">${e(f || 'Top folder')}</a>`).join('')}</nav>`
      : '';
  const sections = names
    .map((folder) => {
      const heading = names.length > 1 ? `<h2>${e(folder === '' ? 'Top folder' : folder.split('/').join(' / '))}</h2>` : '';
      const cards = folders
        .get(folder)!
        .map((item) => card(item, view.posters))
        .join('\n');
      return `<section class="folder" id="${e(anchor(folder))}">${heading}<ul class="grid">\n${cards}\n</ul></section>`;
    })
    .join('\n');
  const option = (value: SortOrder, label: string) => `<option value="${value}"${view.sort === value ? ' selected' : ''}>${label}</option>`;
  const status = view.scan.finished
    ? ''
    : `<p class="status">Scanning the folder: ${view.scan.done} of ${view.scan.total} files read. <a href="${e(page.base)}/">Refresh</a></p>`;
  const empty =
    view.items.length > 0
      ? ''
      : view.total > 0
        ? '<p class="empty">Nothing matches this filter.</p>'
        : '<p class="empty">No videos found in this folder yet.</p>';
  const count = `<p class="count">${view.items.length === view.total ? `${view.total} files` : `${view.items.length} of ${view.total} files`}</p>`;
  return layout(
    page,
    'Library · seekable',
    `<header class="top">${brand(page)}
<form class="tools" method="get" action="${e(page.base)}/" role="search">
<input type="search" name="q" value="${e(view.query)}" placeholder="Filter by name" aria-label="Filter by name">
<select name="sort" aria-label="Sort by">${option('name', 'Name')}${option('date', 'Newest first')}${option('duration', 'Longest first')}</select>
<noscript><button type="submit">Apply</button></noscript>
</form></header>
<main>
${status}${count}${nav}${empty}
${sections}
</main>`,
    'library',
  );
}

export interface WatchView {
  item: EntryView;
  previous?: EntryView;
  next?: EntryView;
  posters: boolean;
}

export function watchPage(page: PageContext, { item, previous, next, posters }: WatchView): string {
  const tag = item.kind === 'audio' ? 'audio' : 'video';
  const poster = posters && item.posterUrl !== null ? ` poster="${e(item.posterUrl)}"` : '';
  const tracks = item.subtitles
    .map((s) => `<track kind="subtitles" src="${e(s.url)}" label="${e(s.label)}"${s.lang === null ? '' : ` srclang="${e(s.lang)}"`}>`)
    .join('');
  const crumbs = [`<a href="${e(page.base)}/">Library</a>`, ...(item.folder === '' ? [] : item.folder.split('/').map((f) => e(f)))].join(' / ');
  const details: [string, string][] = [
    ['Duration', formatDuration(item.duration ?? undefined)],
    ['Resolution', item.width === null ? '' : `${item.width} × ${item.height}`],
    ['Codecs', [item.videoCodec, item.audioCodec].filter(Boolean).join(', ')],
    ['Container', item.container],
    ['Size', formatSize(item.size)],
    ['Modified', item.modified.slice(0, 10)],
  ];
  const hints: string[] = [];
  if (item.error !== null) hints.push(`<div class="notice bad">This file could not be read fully: ${e(item.error)}.</div>`);
  if (item.truncated) {
    const plays = item.playableDuration === null ? 'only its first part plays' : `it plays the first ${seconds(item.playableDuration)}`;
    hints.push(
      `<div class="notice bad">This file ends early (a download or recording that stopped): ${plays}${item.duration === null ? '' : ` of ${seconds(item.duration)}`}.</div>`,
    );
  }
  if (item.faststart === false) {
    hints.push(
      '<div class="notice">This file is not web-optimized: its index is at the end, so it starts slower and seeks more. ' +
        '<code>ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4</code> fixes it without re-encoding.</div>',
    );
  }
  const neighbour = (entry: EntryView | undefined, label: string, rel: string) =>
    entry === undefined ? '' : `<a class="button" rel="${rel}" href="${e(entry.watchUrl)}" title="${e(entry.title)}">${label}</a>`;
  const speeds = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2].map((s) => `<option value="${s}"${s === 1 ? ' selected' : ''}>${s}×</option>`).join('');
  // The player script renews signed links from here; the page says where, so it works under any base.
  const entryApi = urlFor(`${page.base}/api/library/`, item.path);
  return layout(
    page,
    `${item.title} · seekable`,
    `<header class="top">${brand(page)}</header>
<main class="player" data-entry-api="${e(entryApi)}">
<nav class="crumbs">${crumbs}</nav>
<h1>${e(item.title)}</h1>
<div class="stage"><${tag} id="player" controls preload="metadata"${poster} src="${e(item.streamUrl)}">${tracks}</${tag}></div>
<div id="notice" class="notice" hidden></div>
<div class="bar">
${neighbour(previous, '← Previous', 'prev')}${neighbour(next, 'Next →', 'next')}
<span class="spacer"></span>
<label>Speed <select id="speed" aria-label="Playback speed">${speeds}</select></label>
<button type="button" id="copy-link">Copy link at current time</button>
<a class="button" id="download" href="${e(item.downloadUrl)}" download>Download</a>
</div>
${hints.join('\n')}
<dl class="details">${details
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `<dt>${k}</dt><dd>${e(v)}</dd>`)
      .join('')}</dl>
<p class="keys"><kbd>Space</kbd>/<kbd>k</kbd> play or pause · <kbd>←</kbd>/<kbd>→</kbd> 5 s · <kbd>j</kbd>/<kbd>l</kbd> 10 s ·
<kbd>↑</kbd>/<kbd>↓</kbd> volume · <kbd>m</kbd> mute · <kbd>f</kbd> full screen · <kbd>&lt;</kbd>/<kbd>&gt;</kbd> speed</p>
${jsonData('entry', item)}
</main>`,
    'player',
  );
}

export function notFoundPage(page: PageContext): string {
  return layout(
    page,
    'Not found · seekable',
    `<header class="top">${brand(page)}</header><main><h1>Not found</h1><p><a href="${e(page.base)}/">Back to the library</a></p></main>`,
  );
}
