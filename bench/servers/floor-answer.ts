/**
 * The answer the framework floors (servers/*-floor.ts) give every request: the 206 seekable gives
 * Safari's `bytes=0-1` probe of small.mp4, with the same header fields, made once at start from the
 * file, so that a floor measures what the framework costs around an answer and nothing of ours.
 *
 * Each floor answers after one await of `lookedUp()`, as every door answers after awaiting its source's
 * lookup (Source.lookup returns a Promise): a framework may take another path for a handler that
 * returns a Promise. On Hono on Node it does: @hono/node-server writes a Response returned at once on
 * the spot, and one returned in a Promise after a close listener and an await, about a tenth more CPU
 * per answer (CPU profiles of the two, 3 alternating pairs). A synchronous floor would count that
 * against the door.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';

export interface FloorAnswer {
  status: 206;
  headers: Record<string, string>;
  body: Buffer;
}

export function floorAnswer(dir: string): FloorAnswer {
  const file = path.join(dir, 'small.mp4');
  const stat = statSync(file);
  const body = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, body, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  return {
    status: 206,
    headers: {
      'accept-ranges': 'bytes',
      'cache-control': 'public, max-age=3600',
      etag: `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs * 1000).toString(16)}"`,
      'last-modified': stat.mtime.toUTCString(),
      'content-type': 'video/mp4',
      'content-length': '2',
      'content-range': `bytes 0-1/${stat.size}`,
    },
    body,
  };
}

/** A lookup that finds at once: what a floor awaits before answering, in place of a door's source lookup. */
export function lookedUp(): Promise<void> {
  return Promise.resolve();
}
