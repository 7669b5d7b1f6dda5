import type { FfmpegInput } from '../media/ffmpeg.js';
import type { Resource } from '../source/types.js';
import type { AppContext } from './context.js';

/**
 * Where ffmpeg best reads a video from, for posters and previews: its local path, else a URL that
 * takes ranges (a store's presigned URL), else its bytes in order. A source that cannot make a URL now
 * (its presigner not installed) still has the bytes.
 */
export async function ffmpegInput(app: AppContext, key: string, resource: Resource): Promise<FfmpegInput> {
  const path = await app.source.localPath?.(key);
  if (path !== undefined) return { path };
  const url = await app.source.urlFor?.(key).catch(() => undefined);
  return url === undefined ? { resource } : { url };
}
