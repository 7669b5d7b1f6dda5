import { contentTypeFor } from '../http/content-type.js';
import type { CatalogEntry } from '../media/catalog.js';

/** "1:02:03" or "2:03". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** "12.3 MB" (decimal units, as file managers show them). */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "1080p", "4K", or "640×480" for sizes that are not a common height. */
export function formatResolution(width: number | undefined, height: number | undefined): string {
  if (width === undefined || height === undefined) return '';
  const short = Math.min(width, height);
  if (short >= 2160) return '4K';
  if ([1440, 1080, 720, 576, 480, 360, 240].includes(short)) return `${short}p`;
  return `${width}×${height}`;
}

/**
 * The type to ask `canPlayType` about, with codecs when known: 'video/mp4; codecs="avc1.64001f, mp4a.40.2"'.
 * MOV is asked about as MP4: the same demuxer reads both, and browsers answer "" for video/quicktime.
 * Matroska is asked about as itself: Chromium answers "probably" for video/x-matroska with codecs it
 * plays, Safari "" (it has no Matroska demuxer), so asking as WebM would promise Safari a file it refuses.
 */
export function playbackType(entry: Pick<CatalogEntry, 'container' | 'kind' | 'videoCodec' | 'audioCodec' | 'path'>): string | undefined {
  const codecs = [entry.videoCodec, entry.audioCodec].filter((c) => c !== undefined);
  const withCodecs = (type: string) => (codecs.length > 0 ? `${type}; codecs="${codecs.join(', ')}"` : type);
  const prefix = entry.kind === 'audio' || entry.videoCodec === undefined ? 'audio' : 'video';
  if (entry.container === 'mp4' || entry.container === 'mov') return withCodecs(`${prefix}/mp4`);
  if (entry.container === 'webm') return withCodecs(`${prefix}/webm`);
  if (entry.container === 'matroska') return withCodecs(`${prefix}/x-matroska`);
  if (entry.container === 'ogg' && codecs.length > 0) return withCodecs(`${prefix}/ogg`);
  const type = contentTypeFor(entry.path);
  return type.startsWith('audio/') ? type : undefined;
}
