import { documentPlan, notFound, textPlan } from '../http/decide.js';
import { posterVersion } from '../media/posters.js';
import { resourceReader } from '../media/resource-reader.js';
import { decodeSubtitles, srtToVtt } from '../media/srt-to-vtt.js';
import { openFile } from '../source/file/file-resource.js';
import { assetResource } from './assets.js';
import type { AppContext, Call } from './context.js';
import { ffmpegInput } from './ffmpeg-input.js';

/** Long-lived and validated: a poster URL carries the video's version, so it never needs refreshing. */
const POSTER_CACHE = 'public, max-age=31536000, immutable';
/** An asset's name changes with its content, so a browser never needs to ask for it again. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';
/** Subtitles larger than this are not subtitles. */
const MAX_SUBTITLES = 10 * 1024 * 1024;

/**
 * GET /poster/<key>?v=<version>: a frame of the video, made by ffmpeg (ffmpegInput says from what);
 * immutable when `v` is the video's current version.
 */
export async function poster(app: AppContext, call: Call, key: string | undefined, version: string | null): Promise<void> {
  const entry = key === undefined ? undefined : app.catalog.get(key);
  // Not kept open: ffmpeg reads the video (once per version), the player will not.
  const resource = entry === undefined ? undefined : await app.source.lookup(entry.path, { keep: false });
  if (entry === undefined || resource === undefined) return call.send(textPlan(404, 'No poster'));
  try {
    const file = await app.posters.get(entry, await ffmpegInput(app, entry.path, resource));
    const image = file === undefined ? undefined : await openFile(file);
    if (image === undefined) return call.send(textPlan(404, 'No poster'));
    const cacheControl = version === posterVersion(entry) ? POSTER_CACHE : 'no-cache';
    await app.responder.respond(call.req, call.res, { resource: image, name: 'poster.jpg', cacheControl });
  } finally {
    resource.release();
  }
}

/** GET /subtitles/<key>: WebVTT as it is (with ranges and validators), SRT converted to WebVTT. */
export async function subtitles(app: AppContext, call: Call, key: string | undefined): Promise<void> {
  if (key === undefined || !/\.(vtt|srt)$/i.test(key)) return call.send(notFound());
  const resource = await app.source.lookup(key);
  if (resource === undefined) return call.send(notFound());
  if (/\.vtt$/i.test(key)) return app.responder.respond(call.req, call.res, { resource, name: key });
  try {
    if (resource.size > MAX_SUBTITLES) return call.send(textPlan(413, 'Subtitle file too large'));
    const vtt = srtToVtt(decodeSubtitles(await resourceReader(resource).read(0, resource.size)));
    call.send(documentPlan(200, 'text/vtt; charset=utf-8', vtt, { 'Cache-Control': 'no-cache' }));
  } finally {
    resource.release();
  }
}

/** GET /healthz: the source can list its first file (an empty source is alive too). */
export async function healthz(app: AppContext, call: Call): Promise<void> {
  const ok = await app.source.list('', { limit: 1 }).then(
    () => true,
    () => false,
  );
  call.send(ok ? textPlan(200, 'ok') : textPlan(503, 'media source unavailable'));
}

/**
 * GET /readyz: whether a load balancer should send this node requests. 503 while the catalog has no
 * whole listing yet (its first scan is running, or failed: asking starts another), when the source
 * cannot list its first file, and once the node is draining for shutdown; else 200. Never cached.
 */
export async function readyz(app: AppContext, call: Call, draining: boolean): Promise<void> {
  const headers = { 'Cache-Control': 'no-store' };
  if (draining) return call.send(textPlan(503, 'shutting down', headers));
  if (!app.catalog.listed) {
    app.catalog.refresh().catch(() => {}); // shared with a scan already running; a failure shows as not ready
    return call.send(textPlan(503, 'catalog not listed yet', headers));
  }
  const reachable = await app.source.list('', { limit: 1 }).then(
    () => true,
    () => false,
  );
  call.send(reachable ? textPlan(200, 'ready', headers) : textPlan(503, 'media source unavailable', headers));
}

/** GET /assets/<hashed name>: the pages' scripts, stylesheet and icon, from memory, immutable. */
export async function asset(app: AppContext, call: Call, rest: string): Promise<void> {
  const file = (await app.assets).files.get(rest.slice(1));
  if (file === undefined) return call.send(notFound());
  await app.responder.respond(call.req, call.res, { resource: assetResource(file), name: rest, cacheControl: ASSET_CACHE });
}
