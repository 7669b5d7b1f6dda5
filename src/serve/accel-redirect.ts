import { contentDisposition } from '../http/content-disposition.js';
import { contentTypeFor } from '../http/content-type.js';
import type { Plan } from '../http/decide.js';
import type { Target } from './plan-for.js';

/**
 * A file prefix for X-Accel-Redirect as options may give it ("/_files/", "_files") in the one form
 * used: "/_files", each segment as it is (it names an nginx location, which the operator wrote).
 * Throws for what cannot name one: nothing, a query, a fragment, or "." and ".." segments.
 */
export function normalizeAccelPrefix(prefix: string): string {
  const segments = prefix.split('/').filter((s) => s !== '');
  if (segments.length === 0 || /[?#\s]/.test(prefix) || segments.some((s) => s === '.' || s === '..')) {
    throw new Error(`an X-Accel-Redirect prefix must be a path like /_seekable, with no query, spaces, "." or "..": ${JSON.stringify(prefix)}`);
  }
  return `/${segments.join('/')}`;
}

/**
 * The answer that hands a file over to nginx (offload): an empty 200 whose X-Accel-Redirect names the
 * file under `prefix`, an `internal` location of nginx's that serves it with sendfile and answers the
 * request's Range and conditional headers itself. Seekable has already decided everything before it
 * (the method, the signed link, the file's existence: 405, 403, 410, 404); what nginx keeps of this
 * answer's headers is the Content-Type (seekable's, from the file's name or the source), the
 * Content-Disposition of a download and the Cache-Control. Each segment of the key is percent-encoded:
 * nginx decodes the URI once, so names with spaces, "%", "?" or "#" reach the right file.
 */
export function accelRedirectPlan(prefix: string, target: Target & { resource: NonNullable<Target['resource']> }, cacheControl: string): Plan {
  const headers: Record<string, string> = {
    'X-Accel-Redirect': `${prefix}/${target.name.split('/').map(encodeURIComponent).join('/')}`,
    'Content-Type': target.resource.contentType ?? contentTypeFor(target.name),
    'Cache-Control': target.cacheControl ?? cacheControl,
    'Content-Length': '0',
  };
  if (target.download !== undefined) headers['Content-Disposition'] = contentDisposition(target.download);
  return { status: 200, headers, body: { type: 'none' } };
}
