import type { Plan } from '../http/decide.js';
import type { Source } from '../source/types.js';
import type { Target } from './plan-for.js';
import { keyFromPath } from './request-target.js';
import { refusal } from './signing.js';

/** A request's target, or the refusal of its signed link. */
export type Found = { refused: Plan; target?: undefined } | { refused?: undefined; target: Target };

/**
 * What every door does with a GET or HEAD for a path under its mount (`/clips/a.mp4`): decode the key
 * exactly once, check the signed link before any lookup (so a refusal says nothing about whether the
 * file exists), look the key up, and honour `?download=1`. A target whose resource is undefined is a
 * missing file (404, or the next handler's). A lookup that fails throws, for the door to answer.
 */
export async function findTarget(source: Source, path: string, query: URLSearchParams, secrets: readonly string[] | undefined): Promise<Found> {
  const key = keyFromPath(path);
  const refused = secrets?.length ? refusal(key, query, secrets, Date.now() / 1000) : undefined;
  if (refused !== undefined) return { refused };
  const resource = key === undefined ? undefined : await source.lookup(key);
  const name = key ?? '';
  // Content-Disposition keeps the key's last segment as the download's name.
  return { target: { resource, name, download: query.get('download') === '1' ? name : undefined } };
}
