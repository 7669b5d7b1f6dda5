import { readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isSafeKey } from '../keys.js';
import { isMissing } from './shared-fd.js';

/**
 * The root a file source serves, and the rule that keeps every key inside it: a key is looked up only
 * if it is safe, and served only if its real path (every symlink resolved) is still inside the root's
 * real path and, unless dotfiles are allowed, passes through no hidden name there either.
 */
export class Jail {
  private realRoot: Promise<string> | undefined;
  /** The root with symlinks resolved, once known. */
  private known: string | undefined;

  constructor(
    readonly root: string,
    readonly dotfiles: boolean,
  ) {}

  /** The root with symlinks resolved, read once: a root that is itself a symlink works. */
  resolveRoot(): Promise<string> {
    this.realRoot ??= realpath(this.root).then(
      (real) => (this.known = real),
      (err: unknown) => {
        this.realRoot = undefined; // try again next time: the directory may appear
        throw err;
      },
    );
    return this.realRoot;
  }

  /** Where a key is found, as joined under the root (not resolved): what the open-file cache re-checks. */
  pathOf(key: string): string {
    return path.join(this.known ?? this.root, key);
  }

  /**
   * Whether an open descriptor is the file at `real`. Between resolve() and open, someone who can write
   * inside the root could swap a folder on the path for a symlink to one outside it; Linux names what
   * a descriptor really is in /proc/self/fd. One readlink per open (an open-file cache hit has none);
   * where /proc is not there, the check passes, as before it.
   */
  async isOpenedAt(fd: number, real: string): Promise<boolean> {
    let opened: string;
    try {
      opened = await readlink(`/proc/self/fd/${fd}`);
    } catch {
      return true;
    }
    return opened === real;
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
}
