import { contentDisposition } from './content-disposition.js';
import { contentTypeFor } from './content-type.js';
import type { Plan } from './decide.js';
import type { Representation } from './types.js';

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
 * answer's headers is the Content-Type (the representation's, else from the name), the
 * Content-Disposition of a download and the Cache-Control. Each segment of the key is percent-encoded:
 * nginx decodes the URI once, so names with spaces, "%", "?" or "#" reach the right file.
 */
export function accelRedirectPlan(
  prefix: string,
  name: string,
  representation: Pick<Representation, 'contentType'>,
  options: { cacheControl: string; download?: string },
): Plan {
  const headers: Record<string, string> = {
    'X-Accel-Redirect': `${prefix}/${name.split('/').map(encodeURIComponent).join('/')}`,
    'Content-Type': representation.contentType ?? contentTypeFor(name),
    'Cache-Control': options.cacheControl,
    'Content-Length': '0',
  };
  if (options.download !== undefined) headers['Content-Disposition'] = contentDisposition(options.download);
  return { status: 200, headers, body: { type: 'none' } };
}
