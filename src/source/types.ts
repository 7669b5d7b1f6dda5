import type { Representation } from '../http/types.js';

/**
 * The contract between where bytes come from (a folder, an object store, memory) and everything that
 * serves them. A source finds things and reads bytes; it never builds a status code or a header.
 *
 *   Source.lookup(key) ──▶ Resource (the representation + how to read it) ──▶ RangeReader per range
 *
 * Errors a source may throw: ShortReadError and ChangedError (./errors.ts) while reading; anything
 * else is a fault of the source (the door answers 500, or 503 when it says it is passing).
 */

/** What a lookup may be told. */
export interface LookupOptions {
  /**
   * false: do not keep this one for later lookups (a scan that visits every file once must not fill
   * a cache meant for the files being watched). Sources that keep nothing ignore it.
   */
  keep?: boolean;
  /**
   * What a listing said of the key just now. A source whose listing tells all a lookup needs (a
   * store's ListObjectsV2 gives size, ETag and Last-Modified) may build the resource from it instead
   * of asking again: a catalog scan then costs one request less per file. Reads still check that
   * the bytes are of this version. Sources that must open the file anyway ignore it.
   */
  listed?: ListedFile;
}

/**
 * What a source reports of its own work to whoever watches it (seekable/metrics hands one out as
 * `metrics.source`), given in the source's options. Every member is optional, and a source calls only
 * those that apply to it: the file source reports its open-file cache; a store-backed source its
 * metadata cache and its requests to the store. A source given no observer reports nothing and pays
 * nothing for it.
 */
export interface SourceObserver {
  /**
   * A lookup was answered from a cache the source keeps (`hit`) or had to go further: 'open-file' for
   * descriptors kept open between requests, 'metadata' for what a store said of an object (its size,
   * validator and type) kept between requests.
   */
  cacheLookup?(cache: 'open-file' | 'metadata', hit: boolean): void;
  /**
   * One request to a store is over: its operation (a short fixed name such as 'head', 'get' or
   * 'list', never a key), how long it took in seconds, and whether it failed.
   */
  storeRequest?(operation: string, seconds: number, failed: boolean): void;
}

/** Where bytes come from. */
export interface Source {
  /**
   * A stable name of what the source reads (a folder's absolute path, `s3://bucket/prefix`), for what
   * is kept across restarts, such as the app's catalog cache. Without one, nothing is kept.
   */
  readonly id?: string;
  /**
   * Finds a key (a decoded, '/'-separated relative path) and holds what serving that version needs
   * (a file source: its open descriptor) until `release()`. Undefined when there is no such key, or
   * none this source may serve.
   */
  lookup(key: string, options?: LookupOptions): Promise<Resource | undefined>;
  /**
   * The local path of a key, for tools that read files themselves (ffmpeg making a poster), when the
   * source has one; undefined when it has none or the key is not one it would serve.
   */
  localPath?(key: string): Promise<string | undefined>;
  /**
   * A URL where tools that read over HTTP (ffmpeg) can fetch the key's bytes with ranges, for a source
   * without local paths (a store's presigned URL); undefined when it has none for this key.
   */
  urlFor?(key: string): Promise<string | undefined>;
  /**
   * The origin its resources' `location` URLs send browsers to (redirect mode), so that pages can let
   * media come from there; undefined when it sends them nowhere.
   */
  redirectOrigin?(): Promise<string | undefined>;
  /** Lets go of what the source keeps between lookups (open descriptors, timers). Idempotent. */
  close?(): void;
}

/** One file (or object) as listed: enough to tell whether a cached probe of it is still current. */
export interface ListedFile {
  key: string;
  size: number;
  mtimeMs: number;
  /** The store's strong validator, when it has one. */
  etag?: string;
}

/** One page of a listing; `next` is the cursor of the page after it, absent on the last page. */
export interface ListPage {
  files: ListedFile[];
  next?: string;
}

/** A source that can say what it holds, so a catalog can be built on it. */
export interface ListableSource extends Source {
  /**
   * Lists the files under `prefix` ('' for all, else a folder ending in '/'), in an order of the
   * source's choosing that stays the same between calls, a page at a time: pass a page's `next` as
   * `cursor` for the page after it. Only keys that lookup() would serve are listed.
   */
  list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<ListPage>;
}

/**
 * What a lookup found: its representation (size, mtime, strong validator, type) and the means to read
 * it. Whatever it holds stays valid until `release()` has been called and every RangeReader it gave has
 * been closed, so a plan is always served from the bytes it was decided on.
 */
export interface Resource extends Representation {
  /**
   * A URL where the same bytes are served directly (a store's presigned URL, in redirect mode): doors
   * then answer GET and HEAD with a 307 to it, and the store carries the bytes.
   */
  readonly location?: string;
  /**
   * Reads bytes `start` to `end` (inclusive) in order: the one way to read that every source has (a
   * file reads by pread, a store by one ranged request). Nothing is read before the first read().
   */
  readRange(start: number, end: number): RangeReader;
  /**
   * Rejects with a ChangedError if what was looked up has been modified since: a long body can then be
   * cut rather than completed with bytes of two versions, and an answer that reads no byte (a 304, a
   * HEAD) from a kept lookup is made afresh. Optional: a source without it is taken as unchanged.
   */
  checkUnchanged?(): Promise<void>;
  /** Gives up the lookup's hold. Idempotent. */
  release(): void;
}

/** The bytes of one range of a resource, read front to back. */
export interface RangeReader {
  /**
   * Reads the next bytes of the range into `buffer` from its offset 0, at most `length` (no more than
   * the range has left), and resolves how many: at least one. Rejects with a ShortReadError when the
   * resource ends before the range does: a short body would contradict the Content-Length already sent.
   */
  read(buffer: Buffer, length: number): Promise<number>;
  /**
   * The fast path a source may offer: reads at once, on the calling thread, when the source knows the
   * bytes are at hand (a file source: pages it read lately, which the page cache holds), returning the
   * count; undefined, having read nothing, when they may not be. Same contract as read() otherwise.
   */
  readNow?(buffer: Buffer, length: number): number | undefined;
  /** Lets go of what the reader holds (a store's open response). Idempotent; no read may be in flight. */
  close(): void;
}
