import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_CHUNK, isMissing, openFile } from './file-resource.js';
import type { Resource, Source } from './types.js';

export interface FileSourceOptions {
  /** Serve files and folders whose name starts with "." (default false: they do not exist). */
  dotfiles?: boolean;
  /** Bytes per read (default 64 KiB). */
  chunkSize?: number;
  /**
   * Serve files that have other hard links (default true). A hard link cannot be told from the file
   * it links to, so a path check cannot keep it in the root; but making one needs read access to the
   * target (Linux's protected_hardlinks), so it gives nothing a copy would not. Refusing them
   * (false) suits a root that people you do not trust can write to. It also hides the hard-linked
   * videos that download managers put in libraries.
   */
  hardLinks?: boolean;
}

/**
 * Whether a decoded key may name a file under the root. Refused: empty keys, NUL, backslashes (a
 * separator on Windows and never part of a name we serve), absolute paths, empty, "." and ".."
 * segments, and dot-names unless allowed. Refusing instead of normalising means one file has one URL.
 */
export function isSafeKey(key: string, dotfiles = false): boolean {
  if (key === '' || key.includes('\0') || key.includes('\\')) return false;
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return false;
    if (!dotfiles && segment.startsWith('.')) return false;
  }
  return true;
}

/**
 * Files under one directory. Owns the jail: a key is looked up only if it is safe, and served only if
 * its real path (every symlink resolved) is still inside the root's real path and, unless dotfiles are
 * allowed, passes through no hidden name there either.
 */
export class FileSource implements Source {
  private realRoot: Promise<string> | undefined;
  private readonly dotfiles: boolean;
  private readonly chunkSize: number;
  private readonly hardLinks: boolean;

  constructor(
    readonly root: string,
    options: FileSourceOptions = {},
  ) {
    this.dotfiles = options.dotfiles ?? false;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    this.hardLinks = options.hardLinks ?? true;
  }

  /** The root with symlinks resolved, read once: a root that is itself a symlink works. */
  private resolveRoot(): Promise<string> {
    this.realRoot ??= realpath(this.root).catch((err: unknown) => {
      this.realRoot = undefined; // try again next time: the directory may appear
      throw err;
    });
    return this.realRoot;
  }

  /** The real absolute path of a key, or undefined when it does not exist or is not ours to serve. */
  async resolve(key: string): Promise<string | undefined> {
    if (!isSafeKey(key, this.dotfiles)) return undefined;
    const root = await this.resolveRoot();
    let real: string;
    try {
      real = await realpath(path.join(root, key));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    const relative = path.relative(root, real);
    const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
    if (relative === '' || outside) return undefined;
    if (!isSafeKey(relative.split(path.sep).join('/'), this.dotfiles)) return undefined;
    return real;
  }

  async stat(key: string): Promise<Resource | undefined> {
    const real = await this.resolve(key);
    const resource = real === undefined ? undefined : await openFile(real, this.chunkSize);
    if (resource !== undefined && !this.hardLinks && resource.links > 1) {
      resource.release();
      return undefined;
    }
    return resource;
  }

  /**
   * Every key the source would serve, depth first, in no particular order. Symlinks to files are listed
   * where `resolve` would serve them; symlinks to folders are not followed (no cycles to guard against).
   * Folders are read one at a time, so memory stays flat.
   */
  async *list(prefix = ''): AsyncGenerator<string> {
    const root = await this.resolveRoot();
    let dir;
    try {
      dir = await opendir(prefix === '' ? root : path.join(root, prefix));
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for await (const entry of dir) {
      const key = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (!isSafeKey(key, this.dotfiles)) continue;
      if (entry.isDirectory()) yield* this.list(key);
      else if (entry.isFile()) yield key;
      else if (entry.isSymbolicLink() && (await this.isLinkedFile(key))) yield key;
    }
  }

  private async isLinkedFile(key: string): Promise<boolean> {
    const real = await this.resolve(key);
    return real !== undefined && (await stat(real)).isFile();
  }
}
