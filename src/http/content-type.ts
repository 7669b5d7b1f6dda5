/**
 * Media types by extension for what a video server hands out: the project's one extension table (the
 * library's idea of what is video or audio, and the probes' of which parser to try, derive from it).
 * A closed table rather than a dependency on the full mime database: these are the types players
 * care about, and the few where the database disagrees with what browsers play (m4v) are chosen here
 * on purpose.
 */
const TYPES: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4', // MP4 by another name; "video/x-m4v" makes some browsers refuse it in <video>.
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mka: 'audio/x-matroska',
  '3gp': 'video/3gpp',
  ogv: 'video/ogg',
  avi: 'video/x-msvideo', // listed so the library can say that no browser plays it, and how to convert it
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  vtt: 'text/vtt; charset=utf-8',
  srt: 'application/x-subrip',
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** The fallback: never text/html, so a file cannot be made to run as a page on our origin. */
export const DEFAULT_TYPE = 'application/octet-stream';

/** The media type for a file name or path, by its extension (case-insensitive). */
export function contentTypeFor(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  if (dot <= slash + 1) return DEFAULT_TYPE; // no extension, or a dotfile's name only
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? DEFAULT_TYPE;
}
