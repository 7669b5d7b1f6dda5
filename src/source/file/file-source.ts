import path from 'node:path';
import { fileResource } from './file-resource.js';
import { HotReads } from './hot-reads.js';
import { Jail } from './jail.js';
import { listFiles } from './list-files.js';
import { OpenFileCache } from './open-file-cache.js';
import { DescriptorCount, openShared, type SharedFd } from './shared-fd.js';
import type { ListableSource, ListPage, LookupOptions, Resource, SourceObserver } from '../types.js';

/** Options of a FileSource: what it serves, and how it keeps files open and reads them. */
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
   * Keep looked-up files open for the next requests (see open-file-cache.ts): hits skip realpath,
   * open and fstat, and are revalidated with one stat of the path on the event loop, which on a slow
   * network filesystem blocks: set false there.
   */
  openFileCache?: false | OpenFileCacheOptions;
  /**
   * Read on the event loop, not on the thread pool, the bytes read within the last minute, which the page
   * cache all but surely still holds (default: true while the open-file cache is on). A read from the cache is
   * quicker than the hop to the thread pool; a guess gone wrong makes the event loop wait for the
   * disk, or, on a network filesystem, for the network: set false there.
   */
  hotReads?: boolean;
  /** Told of every lookup that could have been an open-file cache hit, and whether it was (metrics). */
  observer?: SourceObserver;
}

/** The open-file cache's limits. */
export interface OpenFileCacheOptions {
  /** How long a looked-up file stays open after its last request, in ms (default 1000; 0: not at all). */
  ttl?: number;
  /**
   * Most files kept open (default 128: a video server's hot set is small, and every file kept open
   * holds a descriptor under limits that are often only 1,024).
   */
  size?: number;
}

/**
 * The files under one directory. The jail (jail.ts) decides what may be served; the open-file cache,
 * the hot-read policy and the count of open descriptors belong to this source, and `close()` lets go
 * of all of them.
 */
export class FileSource implements ListableSource {
  private readonly jail: Jail;
  private readonly hardLinks: boolean;
  private readonly cache: OpenFileCache | undefined;
  private readonly hot: HotReads | undefined;
  private readonly descriptors = new DescriptorCount();
  private readonly observer: SourceObserver | undefined;
  /** The folder's absolute path (symlinks not resolved: the same folder named twice may keep two caches). */
  readonly id: string;

  constructor(
    readonly root: string,
    options: FileSourceOptions = {},
  ) {
    const cached = options.openFileCache === false ? { ttl: 0 } : (options.openFileCache ?? {});
    const ttl = cached.ttl ?? 1000;
    this.id = path.resolve(root);
    this.jail = new Jail(root, options.dotfiles ?? false);
    this.hardLinks = options.hardLinks ?? true;
    this.cache = ttl > 0 ? new OpenFileCache(ttl, cached.size ?? 128) : undefined;
    this.hot = (options.hotReads ?? ttl > 0) ? new HotReads() : undefined;
    this.observer = options.observer;
  }

  /**
   * Descriptors this source holds open right now: those its cache keeps and those still held by
   * resources and reads in flight (closing is asynchronous, so a close shows a moment later).
   */
  get openDescriptors(): number {
    return this.descriptors.open;
  }

  /** The real absolute path of a key, or undefined when it does not exist or is not ours to serve. */
  localPath(key: string): Promise<string | undefined> {
    return this.jail.resolve(key);
  }

  async lookup(key: string, options: LookupOptions = {}): Promise<Resource | undefined> {
    const cache = options.keep === false ? undefined : this.cache;
    const cached = cache?.get(key);
    if (cache !== undefined) this.observer?.cacheLookup?.('open-file', cached !== undefined);
    if (cached !== undefined) return this.resourceFor(cached, true);
    const real = await this.jail.resolve(key);
    const file = real === undefined ? undefined : await openShared(real, this.descriptors);
    if (file === undefined) return undefined;
    if (!(await this.jail.isOpenedAt(file.fd, real!))) {
      file.unref(); // the path changed under us between the check and the open
      return undefined;
    }
    if (this.hot !== undefined) file.heat = this.hot.heatOf(file);
    const resource = this.resourceFor(file, false);
    if (cache !== undefined)
      cache.put(key, this.jail.pathOf(key), file); // the cache keeps the opener's reference
    else file.unref();
    return resource;
  }

  list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<ListPage> {
    return listFiles(this.jail, prefix, { ...options, hardLinks: this.hardLinks });
  }

  /** `recent`: an open-file cache hit, served within the last second (see hot-reads.ts). */
  private resourceFor(file: SharedFd, recent: boolean): Resource | undefined {
    if (!this.hardLinks && file.stats.nlink > 1) return undefined;
    return fileResource(file, { hot: this.hot, recent });
  }

  /** Closes every cached descriptor and forgets what was read lately (a clean shutdown). */
  close(): void {
    this.cache?.clear();
    this.hot?.clear();
  }
}
