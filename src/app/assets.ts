import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bufferResource } from '../source/buffer-resource.js';
import type { Resource } from '../source/types.js';

/**
 * Where `npm run build` puts the pages' scripts, stylesheet and icon. This file and its compiled
 * dist/app/assets.js both sit two levels below the package root, so the same relative URL finds the
 * folder whether the app runs from source (tsx) or from dist.
 */
const BUILT = new URL('../../dist/browser/', import.meta.url);

/** The assets the pages link to, by role: each a path under the app's mount point, e.g. `/assets/library.3f2a9c1b.js`. */
export interface AssetUrls {
  style: string;
  library: string;
  player: string;
  icon: string;
}

export interface AssetFile {
  bytes: Buffer;
  /** The Content-Type to send. */
  type: string;
  /** A strong entity tag, quotes included: the content's hash. */
  etag: string;
  /** When the built file was last written (gives Last-Modified). */
  mtimeMs: number;
}

export interface Assets {
  urls: AssetUrls;
  /** By hashed file name (`library.3f2a9c1b.js`), the part of the URL after `/assets/`. */
  files: Map<string, AssetFile>;
}

/** The URL path under which the app serves the assets. */
export const ASSET_PREFIX = '/assets/';

/** `library.js` with hash `3f2a9c1b` is `library.3f2a9c1b.js`. */
function hashedName(file: string, hash: string): string {
  const dot = file.lastIndexOf('.');
  return `${file.slice(0, dot)}.${hash}${file.slice(dot)}`;
}

async function readBuilt(url: URL): Promise<{ bytes: Buffer; mtimeMs: number }> {
  try {
    const [bytes, info] = await Promise.all([readFile(url), stat(url)]);
    return { bytes, mtimeMs: info.mtimeMs };
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new Error(`browser assets not built: run npm run build (${fileURLToPath(url)} is missing)`);
    }
    throw err;
  }
}

/**
 * Reads the built assets into memory and names each after a hash of its content. A name changes
 * whenever the content does, so browsers may keep an asset for good (Cache-Control: immutable): after
 * a new build and a restart, the pages link to new names and no browser runs a stale script.
 */
export async function loadAssets(folder: URL = BUILT): Promise<Assets> {
  const files = new Map<string, AssetFile>();
  const load = async (file: string, type: string): Promise<string> => {
    const { bytes, mtimeMs } = await readBuilt(new URL(file, folder));
    const hash = createHash('sha256').update(bytes).digest('hex');
    const name = hashedName(file, hash.slice(0, 8));
    files.set(name, { bytes, type, etag: `"${hash.slice(0, 32)}"`, mtimeMs });
    return `${ASSET_PREFIX}${name}`;
  };
  const [style, library, player, icon] = await Promise.all([
    load('style.css', 'text/css; charset=utf-8'),
    load('library.js', 'text/javascript; charset=utf-8'),
    load('player.js', 'text/javascript; charset=utf-8'),
    load('icon.svg', 'image/svg+xml'),
  ]);
  return { urls: { style, library, player, icon }, files };
}

/** An asset as a Resource, answered by the engine like any file (validators, 304, ranges). */
export function assetResource(file: AssetFile): Resource {
  return bufferResource(file.bytes, { mtimeMs: file.mtimeMs, etag: file.etag, contentType: file.type });
}
