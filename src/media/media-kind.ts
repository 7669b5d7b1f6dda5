/** Which files the library shows, by extension. */
const VIDEO = new Set(['mp4', 'm4v', 'mov', 'webm', 'mkv', 'ogv']);
const AUDIO = new Set(['mp3', 'm4a', 'ogg', 'oga', 'opus', 'flac', 'wav', 'aac']);

export type MediaKind = 'video' | 'audio';

/** A name's extension, lowercased, without the dot ('' when there is none). */
export function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export function mediaKind(key: string): MediaKind | undefined {
  const ext = extension(key);
  if (VIDEO.has(ext)) return 'video';
  if (AUDIO.has(ext)) return 'audio';
  return undefined;
}
