import type { CatalogEntry } from '../media/catalog.js';
import { type Playability, playability } from '../media/playability.js';
import { posterVersion } from '../media/posters.js';
import { Previews } from '../media/previews.js';
import { playbackType } from './format.js';
import { urlFor } from './html.js';

/** An entry as the JSON API and the pages' scripts see it: facts plus the URLs to use them. */
export interface EntryView {
  path: string;
  title: string;
  folder: string;
  kind: CatalogEntry['kind'];
  url: string;
  /** What the player plays: the file, or its faststart copy made on the fly when its moov is at the end. */
  streamUrl: string;
  watchUrl: string;
  downloadUrl: string;
  posterUrl: string | null;
  /** The WebVTT thumbnails track of seek-bar previews (`sheet.jpg#xywh=x,y,w,h` cues); null when there are none. */
  previewsUrl: string | null;
  size: number;
  modified: string;
  container: string;
  duration: number | null;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  mime: string | null;
  faststart: boolean | null;
  /** The file ends before its media does: it plays only up to `playableDuration` (null when unknown). */
  truncated: boolean;
  playableDuration: number | null;
  /** Each engine's verdict from the playability table (docs/playability.md); null for an unreadable file. */
  playability: Playability | null;
  error: string | null;
  subtitles: { url: string; lang: string | null; label: string }[];
  /** When the signed URLs above stop working (Unix seconds); null when links are not signed. */
  expires: number | null;
}

/** Signs links: the query that opens one key, and when such tokens expire. */
export interface Signer {
  query(key: string): string;
  expires: number;
}

/** How views are made for one answer. */
export interface ViewOptions {
  /** Whether posters can be made (ffmpeg is there and they are on). */
  posters: boolean;
  /** Whether seek-bar previews can be made (ffmpeg is there and they are on). */
  previews: boolean;
  /** Signs the byte links, when signing is on. */
  signer?: Signer;
  /** The path prefix of every URL ('' at the root, '/videos' under a base path or an Express mount). */
  base: string;
}

/** The view of one catalog entry, with its links under `base` (and signed, when signing is on). */
export function entryView(entry: CatalogEntry, { posters, previews, signer, base }: ViewOptions): EntryView {
  const slash = entry.path.lastIndexOf('/');
  const file = entry.path.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  // With signing on, each URL carries a token for its own key; the other parameters stay readable.
  const link = (prefix: string, key: string, params = '', suffix = '') => {
    const query = [params, signer?.query(key) ?? ''].filter(Boolean).join('&');
    return `${urlFor(base + prefix, key)}${suffix}${query === '' ? '' : `?${query}`}`;
  };
  return {
    path: entry.path,
    title: dot > 0 ? file.slice(0, dot) : file,
    folder: slash < 0 ? '' : entry.path.slice(0, slash),
    kind: entry.kind,
    url: link('/media/', entry.path),
    streamUrl: link('/stream/', entry.path),
    watchUrl: urlFor(`${base}/watch/`, entry.path),
    downloadUrl: link('/media/', entry.path, 'download=1'),
    posterUrl: posters && entry.kind === 'video' && entry.error === undefined ? link('/poster/', entry.path, `v=${posterVersion(entry)}`) : null,
    previewsUrl: previews && Previews.canPreview(entry) ? link('/previews/', entry.path, `v=${posterVersion(entry)}`, '.vtt') : null,
    size: entry.size,
    modified: new Date(entry.mtimeMs).toISOString(),
    container: entry.container,
    duration: entry.duration ?? null,
    width: entry.width ?? null,
    height: entry.height ?? null,
    videoCodec: entry.videoCodec ?? null,
    audioCodec: entry.audioCodec ?? null,
    mime: playbackType(entry) ?? null,
    faststart: entry.faststart ?? null,
    truncated: entry.truncated === true,
    playableDuration: entry.playableDuration ?? null,
    playability: entry.error === undefined ? playability(entry, entry.path) : null,
    error: entry.error ?? null,
    subtitles: entry.subtitles.map((s) => ({ url: link('/subtitles/', s.path), lang: s.lang ?? null, label: s.label })),
    expires: signer?.expires ?? null,
  };
}
