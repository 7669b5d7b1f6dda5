import { createHash } from 'node:crypto';
import path from 'node:path';
import { textPlan } from '../http/decide.js';
import { posterVersion } from '../media/posters.js';
import { previewsVtt } from '../media/previews-vtt.js';
import { bufferResource } from '../source/buffer-resource.js';
import { openFile } from '../source/file/file-resource.js';
import type { AppContext, Call } from './context.js';
import { ffmpegInput } from './ffmpeg-input.js';
import { urlFor } from './html.js';

/** Long-lived: a previews URL carries the video's version, so what it names never changes. */
const PREVIEWS_CACHE = 'public, max-age=31536000, immutable';

/** What a path under /previews/ names: a video's key, and its track (no sheet) or sheet n (1-based). */
export interface PreviewTarget {
  key: string;
  sheet?: number;
}

/**
 * The target of a decoded name under /previews/: "<key>.vtt" is the video's thumbnails track,
 * "<key>.<n>.jpg" its sheet n; undefined for anything else.
 */
export function previewTarget(name: string | undefined): PreviewTarget | undefined {
  if (name === undefined) return undefined;
  if (name.endsWith('.vtt') && name.length > 4) return { key: name.slice(0, -4) };
  const sheet = /^(.+)\.([1-9]\d{0,3})\.jpg$/s.exec(name);
  return sheet === null ? undefined : { key: sheet[1]!, sheet: Number(sheet[2]) };
}

/**
 * GET /previews/<key>.vtt?v=<version> (the WebVTT thumbnails track) and /previews/<key>.<n>.jpg?v=
 * (its sheets): made by ffmpeg on the first request (ffmpegInput says from what), then from the cache; immutable when `v` is the video's current
 * version. The track's sheet URLs carry the request's query (its signed-link token too) with the
 * current version, so the track and its sheets open with the same link.
 */
export async function previews(app: AppContext, call: Call, target: PreviewTarget | undefined, query: URLSearchParams): Promise<void> {
  const entry = target === undefined ? undefined : app.catalog.get(target.key);
  // Not previewsOn(), which gives up on a slow ffmpeg check to render a page at once: get() waits for it.
  if (target === undefined || entry === undefined || !app.previewsWanted) return call.send(textPlan(404, 'No previews'));
  // Not kept open: ffmpeg reads the video (once per version), the player will not.
  const resource = await app.source.lookup(entry.path, { keep: false });
  if (resource === undefined) return call.send(textPlan(404, 'No previews'));
  let set: Awaited<ReturnType<AppContext['previews']['get']>>;
  try {
    set = await app.previews.get(entry, await ffmpegInput(app, entry.path, resource));
  } finally {
    resource.release();
  }
  if (set === undefined) return call.send(textPlan(404, 'No previews'));
  const version = posterVersion(entry);
  const cacheControl = query.get('v') === version ? PREVIEWS_CACHE : 'no-cache';
  if (target.sheet === undefined) {
    const params = new URLSearchParams(query);
    params.set('v', version);
    const prefix = `${call.base}${urlFor('/previews/', entry.path)}`;
    const vtt = previewsVtt(set.index, (n) => `${prefix}.${n}.jpg?${params}`);
    // Its validator is its content: the same version under another base or token is another text.
    const etag = `"${createHash('sha256').update(vtt).digest('base64url').slice(0, 27)}"`;
    const track = bufferResource(Buffer.from(vtt), { mtimeMs: entry.mtimeMs, etag, contentType: 'text/vtt; charset=utf-8' });
    return app.responder.respond(call.req, call.res, { resource: track, name: 'previews.vtt', cacheControl });
  }
  const sheet = target.sheet <= set.index.sheets ? await openFile(path.join(set.dir, `${target.sheet}.jpg`)) : undefined;
  if (sheet === undefined) return call.send(textPlan(404, 'No such previews sheet'));
  await app.responder.respond(call.req, call.res, { resource: sheet, name: 'previews.jpg', cacheControl });
}
