import type { CatalogEntry } from '../media/catalog.js';
import { posterVersion } from '../media/posters.js';
import { playbackType } from './format.js';
import { urlFor } from './html.js';

/** An entry as the JSON API and the pages' scripts see it: facts plus the URLs to use them. */
export interface EntryView {
  path: string;
  title: string;
  folder: string;
  kind: CatalogEntry['kind'];
  url: string;
  watchUrl: string;
  downloadUrl: string;
  posterUrl: string | null;
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
  error: string | null;
  subtitles: { url: string; lang: string | null; label: string }[];
}

export function entryView(entry: CatalogEntry, posters: boolean): EntryView {
  const slash = entry.path.lastIndexOf('/');
  const file = entry.path.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const url = urlFor('/media/', entry.path);
  return {
    path: entry.path,
    title: dot > 0 ? file.slice(0, dot) : file,
    folder: slash < 0 ? '' : entry.path.slice(0, slash),
    kind: entry.kind,
    url,
    watchUrl: urlFor('/watch/', entry.path),
    downloadUrl: `${url}?download=1`,
    posterUrl:
      posters && entry.kind === 'video' && entry.error === undefined
        ? `${urlFor('/poster/', entry.path)}?v=${posterVersion(entry)}`
        : null,
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
    error: entry.error ?? null,
    subtitles: entry.subtitles.map((s) => ({ url: urlFor('/subtitles/', s.path), lang: s.lang ?? null, label: s.label })),
  };
}
