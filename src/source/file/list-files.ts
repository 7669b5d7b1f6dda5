import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ListedFile, ListPage } from '../types.js';
import { isSafeKey } from '../keys.js';
import type { Jail } from './jail.js';
import { isMissing } from './shared-fd.js';

/** How to list: a page's cursor and size, and whether files with other hard links count. */
export interface ListOptions {
  cursor?: string;
  limit?: number;
  hardLinks?: boolean;
}

/**
 * Whether a listing's folder is one the walk itself would enter: inside the root by its real path,
 * with no symlink on the way (the walk never follows one) and no hidden name unless allowed. A prefix
 * through a symlinked folder would otherwise list names and sizes from outside the root.
 */
async function isRealFolder(jail: Jail, folder: string): Promise<boolean> {
  if (!isSafeKey(folder, jail.dotfiles)) return false;
  const real = await jail.resolve(folder);
  return real !== undefined && real === path.join(await jail.resolveRoot(), folder);
}

/** Files per page unless the caller asks otherwise. */
const PAGE = 1000;

/**
 * One page of the files under a folder of the jail, depth first with each folder's names sorted (so
 * the order is the same on every call), resuming after the key in `cursor`. Symlinks to files are
 * listed where the jail would serve them; symlinks to folders are not followed (no cycles to guard
 * against). One folder's names are in memory per level, never the whole tree.
 */
export async function listFiles(jail: Jail, prefix: string, options: ListOptions = {}): Promise<ListPage> {
  const limit = Math.max(1, options.limit ?? PAGE);
  const folder = prefix.slice(0, -1);
  if (prefix !== '' && (!prefix.endsWith('/') || !(await isRealFolder(jail, folder)))) return { files: [] };
  const hardLinks = options.hardLinks ?? true;
  const after = options.cursor === undefined ? undefined : options.cursor.split('/');
  const files: ListedFile[] = [];
  for await (const file of walk(jail, folder, after, hardLinks)) {
    if (files.length === limit) return { files, next: files[files.length - 1]!.key };
    files.push(file);
  }
  return { files };
}

async function* walk(jail: Jail, folder: string, after: string[] | undefined, hardLinks: boolean): AsyncGenerator<ListedFile> {
  const root = await jail.resolveRoot();
  let entries: Dirent[];
  try {
    entries = await readdir(folder === '' ? root : path.join(root, folder), { withFileTypes: true });
  } catch (err) {
    // A folder gone since its parent was read has nothing to list; the root gone is a fault.
    if (isMissing(err) && folder !== '') return;
    throw err;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const depth = folder === '' ? 0 : folder.split('/').length;
  // The cursor's name at this depth: entries before it were listed on earlier pages.
  let resume = after?.[depth];
  for (const entry of entries) {
    let inside: string[] | undefined;
    if (resume !== undefined) {
      if (entry.name < resume) continue;
      if (entry.name === resume) {
        resume = undefined;
        if (!entry.isDirectory() || after!.length === depth + 1) continue; // the cursor's own file
        inside = after; // resume inside this folder
      } else resume = undefined;
    }
    const key = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (!isSafeKey(key, jail.dotfiles)) continue;
    if (entry.isDirectory()) yield* walk(jail, key, inside, hardLinks);
    else if (entry.isFile() || entry.isSymbolicLink()) {
      const listed = await describe(jail, key, entry.isSymbolicLink(), hardLinks);
      if (listed !== undefined) yield listed;
    }
  }
}

/**
 * A listed file's size and time; a symlink counts only when the jail would serve what it points to,
 * and a file with other hard links only when the source serves those.
 */
async function describe(jail: Jail, key: string, link: boolean, hardLinks: boolean): Promise<ListedFile | undefined> {
  const real = link ? await jail.resolve(key) : path.join(await jail.resolveRoot(), key);
  if (real === undefined) return undefined;
  try {
    const info = await stat(real);
    if (!info.isFile() || (!hardLinks && info.nlink > 1)) return undefined;
    return { key, size: info.size, mtimeMs: info.mtimeMs };
  } catch (err) {
    if (isMissing(err)) return undefined; // gone since the folder was read
    throw err;
  }
}
