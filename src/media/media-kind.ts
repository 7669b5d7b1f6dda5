import { contentTypeFor } from '../http/content-type.js';

/** What the library shows a file as. */
export type MediaKind = 'video' | 'audio';

/** A name's extension, lowercased, without the dot ('' when there is none). */
export function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/**
 * Whether the library shows a file, as video or audio: by its media type (the engine's one table).
 * MPEG-TS is video by type but a stream's segment, not something to list.
 */
export function mediaKind(key: string): MediaKind | undefined {
  const type = contentTypeFor(key);
  if (type === 'video/mp2t') return undefined;
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  return undefined;
}
