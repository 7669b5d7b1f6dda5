import { findTarget } from '../serve/find-target.js';
import type { AppContext, Call } from './context.js';

/**
 * GET /stream/<key>: what the player plays. A file whose moov follows its media data is served as its
 * faststart copy, made on the fly (faststart-cache.ts), so playback starts without a request for the
 * file's tail; every other file exactly as /media/<key> serves it. Found as /media/ finds its files
 * (signed links checked before any lookup, `?download=1`) and answered through the same responder,
 * so ranges, multipart, validators, If-Range and 304 apply to the copy exactly as to a file.
 */
export async function stream(
  app: AppContext,
  call: Call,
  rest: string,
  query: URLSearchParams,
  secrets: readonly string[] | undefined,
  retry = true,
): Promise<void> {
  const { refused, target } = await findTarget(app.source, rest, query, secrets);
  if (refused !== undefined) return call.send(refused);
  const { resource } = target;
  if (resource === undefined) return app.responder.respond(call.req, call.res, target);
  let view: typeof resource;
  try {
    view = await app.faststart.view(target.name, resource);
  } catch (err) {
    resource.release();
    throw err;
  }
  // Once more at most, as /media/ does: when the first read finds the file replaced since its lookup.
  const again = retry ? () => stream(app, call, rest, query, secrets, false) : undefined;
  await app.responder.respond(call.req, call.res, { ...target, resource: view }, again);
}
