import { randomBytes } from 'node:crypto';
import { decide, type DecideOptions, type Plan, temporaryRedirect } from '../http/decide.js';
import type { RequestInfo } from '../http/types.js';
import type { Resource } from '../source/types.js';

/** Options of every door: what the engine decides with, and where errors are reported. */
export interface SendOptions extends Pick<DecideOptions, 'cacheControl' | 'maxRanges' | 'maxChunk'> {
  /** Receives one line per server-side failure (default: console.error). Client aborts are not failures. */
  log?: (line: string) => void;
}

/** What one answer serves: a looked-up resource (undefined: there is no such thing) and how to name it. */
export interface Target {
  resource: Resource | undefined;
  /** The file name or key: gives the Content-Type when the resource has none. */
  name: string;
  /** Answer as a download under this file name (Content-Disposition: attachment). */
  download?: string;
  /** Cache-Control of this answer, instead of the door's. */
  cacheControl?: string;
}

/** 12 random bytes in hex: no file's bytes can be expected to contain it (RFC 2046 §5.1.1). */
const randomBoundary = () => randomBytes(12).toString('hex');

/** The engine's plan for one request and one target, with the door's options: the same for every door. */
export function planFor(request: RequestInfo, target: Target, options: SendOptions): Plan {
  const location = target.resource?.location;
  if (location !== undefined) return temporaryRedirect(location);
  return decide(request, target.resource, {
    now: Date.now(),
    name: target.name,
    cacheControl: target.cacheControl ?? options.cacheControl,
    maxRanges: options.maxRanges,
    maxChunk: options.maxChunk,
    download: target.download,
    boundary: randomBoundary,
  });
}
