import { statSync } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileResource, isMissing, openShared, type SharedFd } from './file-resource.js';
import type { Resource, Source } from './types.js';

export interface FileSourceOptions {
  /** Serve files and folders whose name starts with "." (default false: they do not exist). */
  dotfiles?: boolean;
  /**
   * Serve files that have other hard links (default true). A hard link cannot be told from the file
   * it links to, so a path check cannot keep it in the root; but making one needs read access to the
   * target (Linux's protected_hardlinks), so it gives nothing a copy would not. Refusing them
   * (false) suits a root that people you do not trust can write to. It also hides the hard-linked
   * videos that download managers put in libraries.
   */
  hardLinks?: boolean;
  /**
   * How long a looked-up file stays open after its last request, in ms (default 1000; 0: no cache).
   * Like nginx's open_file_cache: a hit skips realpath, open and fstat on the thread pool and is
   * revalidated instead with one stat of the path on the spot (shared by the hits of the same
   * millisecond), so a changed or replaced file is seen by every request a millisecond later.
   * That stat blocks the event loop for the time of a metadata lookup (microseconds from the
   * kernel's cache; on a slow network filesystem, set 0).
   */
  cacheTtl?: number;
  /**
   * Most files kept open by the cache (default 128: a video server's hot set is small, and every
   * cached file holds a descriptor under limits that are often only 1,024).
   */
  cacheSize?: number;
  /**
   * Read on the spot, not on the thread pool, the bytes read within the last minute, which the page
   * cache all but surely still holds (default: true, unless cacheTtl is 0). A read from the cache is
   * quicker than the hop to the thread pool; a guess gone wrong makes the event loop wait for the
   * disk, or, on a network filesystem, for the network: set false there.
   */
  hotReads?: boolean;
}

interface CacheEntry {
  file: SharedFd;
  /** The path the key was found at, as joined under the root (not resolved): what is re-checked. */
  path: string;
  expires: number;
  /** When the path was last checked (performance.now()). */
  checkedAt: number;
}

/**
 * A hit within this long of the last check of its path shares that check. Under Safari's probe, a
 * stat per request cost 12% of the throughput, and some 35 requests arrive per millisecond; a change
 * is still seen by every request that comes a millisecond after it.
 */
const RECHECK_MS = 1;

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
  private readonly hardLinks: boolean;
  private readonly cacheTtl: number;
  private readonly cacheSize: number;
  private readonly hotReads: boolean;
  private readonly cache = new Map<string, CacheEntry>();
  private sweeper: NodeJS.Timeout | undefined;
  private open = 0;
  /** Counts the descriptors this source opened, until each is closed (closing is asynchronous). */
  private readonly counter = { opened: () => void this.open++, closed: () => void this.open-- };

  /**
   * Descriptors this source holds open right now: those its cache keeps and those still held by
   * resources and reads in flight. What a test of the cache counts, rather than the whole process's.
   */
  get openDescriptors(): number {
    return this.open;
  }

  constructor(
    readonly root: string,
    options: FileSourceOptions = {},
  ) {
    this.dotfiles = options.dotfiles ?? false;
    this.hardLinks = options.hardLinks ?? true;
    this.cacheTtl = options.cacheTtl ?? 1000;
    this.cacheSize = options.cacheSize ?? 128;
    this.hotReads = options.hotReads ?? this.cacheTtl > 0;
  }

  /** The root with symlinks resolved, once known (cache entries re-check paths under it). */
  private rootPath: string | undefined;

  /** The root with symlinks resolved, read once: a root that is itself a symlink works. */
  private resolveRoot(): Promise<string> {
    this.realRoot ??= realpath(this.root).then((real) => (this.rootPath = real), (err: unknown) => {
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

  async stat(key: string, options: { cache?: boolean } = {}): Promise<Resource | undefined> {
    const useCache = this.cacheTtl > 0 && options.cache !== false;
    const cached = useCache ? this.cached(key) : undefined;
    if (cached !== undefined) return this.resourceFor(cached, true);
    const real = await this.resolve(key);
    const file = real === undefined ? undefined : await openShared(real, this.counter);
    if (file === undefined) return undefined;
    const resource = this.resourceFor(file);
    if (useCache) this.remember(key, file); // the cache keeps the opener's reference
    else file.unref();
    return resource;
  }

  /** `cached`: served within the last TTL, so its first pages are in memory (see fileResource). */
  private resourceFor(file: SharedFd, cached = false): Resource | undefined {
    return !this.hardLinks && file.stats.nlink > 1 ? undefined : fileResource(file, { onTheSpot: this.hotReads, cached });
  }

  /**
   * The cached descriptor of a key while it is fresh and the path still leads to the same, unchanged
   * file; anything else drops the entry, and the caller looks the key up in full (jail included).
   */
  private cached(key: string): SharedFd | undefined {
    const entry = this.cache.get(key);
    if (entry === undefined) return undefined;
    const now = Date.now();
    if (entry.expires >= now) {
      const checkedAt = performance.now();
      if (checkedAt - entry.checkedAt <= RECHECK_MS) {
        entry.expires = now + this.cacheTtl;
        return entry.file;
      }
      let seen: ReturnType<typeof statSync> | undefined;
      try {
        seen = statSync(entry.path, { throwIfNoEntry: false });
      } catch {
        seen = undefined;
      }
      const was = entry.file.stats;
      // ctime too: a chmod or a new hard link changes only that, and either can make the file one not
      // to serve (unreadable, or refused under hardLinks: false). An entry in steady demand is never
      // reopened, so this is where such a change must be seen.
      if (
        seen !== undefined &&
        seen.ino === was.ino &&
        seen.dev === was.dev &&
        seen.size === was.size &&
        seen.mtimeMs === was.mtimeMs &&
        seen.ctimeMs === was.ctimeMs
      ) {
        // A hit keeps the file open for another TTL, and makes it the youngest entry. With a fixed
        // expiry, a file in steady demand was dropped every TTL, and every request in flight at that
        // moment opened it again on the thread pool (64 opens a second under the Safari probe).
        entry.expires = now + this.cacheTtl;
        entry.checkedAt = checkedAt;
        this.cache.delete(key);
        this.cache.set(key, entry);
        return entry.file;
      }
    }
    this.forget(key, entry);
    return undefined;
  }

  private remember(key: string, file: SharedFd): void {
    const old = this.cache.get(key);
    if (old !== undefined) this.forget(key, old);
    this.cache.set(key, { file, path: path.join(this.rootPath ?? this.root, key), expires: Date.now() + this.cacheTtl, checkedAt: -Infinity });
    if (this.cache.size > this.cacheSize) {
      const [oldestKey, oldest] = this.cache.entries().next().value!;
      this.forget(oldestKey, oldest);
    }
    // Expired entries are closed within a TTL even when nobody asks for them again (a deleted file
    // held open keeps its disk space). The timer does not keep the process alive.
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(this.cacheTtl, 250)).unref();
  }

  private forget(key: string, entry: CacheEntry): void {
    if (this.cache.get(key) === entry) this.cache.delete(key);
    entry.file.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.cache) if (entry.expires < now) this.forget(key, entry);
    if (this.cache.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Closes every cached descriptor (for a clean shutdown, and for tests that count descriptors). */
  close(): void {
    for (const [key, entry] of this.cache) this.forget(key, entry);
    clearInterval(this.sweeper);
    this.sweeper = undefined;
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
