import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { SharedFd } from './shared-fd.js';

interface Entry {
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
 * Descriptors of files looked up lately, kept open for the next requests, like nginx's
 * open_file_cache: a hit skips realpath, open and fstat on the thread pool and is revalidated instead
 * with one stat of the path on the event loop (shared by the hits of the same millisecond), so a changed or
 * replaced file is seen by every request a millisecond later. That stat blocks the event loop for the
 * time of a metadata lookup (microseconds from the kernel's cache; on a slow network filesystem, turn
 * the cache off).
 *
 * An entry lives `ttl` ms after its last hit; at most `size` entries, the least recently hit going
 * first. Expired entries are closed within a TTL even when nobody asks for them again (a deleted file
 * held open keeps its disk space).
 */
export class OpenFileCache {
  private readonly entries = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly ttl: number,
    private readonly size: number,
  ) {}

  /** Entries held now. */
  get count(): number {
    return this.entries.size;
  }

  /**
   * The cached descriptor of a key while it is fresh and its path still leads to the same, unchanged
   * file; anything else drops the entry, and the caller looks the key up in full (jail included).
   */
  get(key: string): SharedFd | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const now = Date.now();
    if (entry.expires >= now) {
      const checkedAt = performance.now();
      if (checkedAt - entry.checkedAt <= RECHECK_MS) {
        entry.expires = now + this.ttl;
        return entry.file;
      }
      if (unchanged(entry)) {
        // A hit keeps the file open for another TTL, and makes it the youngest entry. With a fixed
        // expiry, a file in steady demand was dropped every TTL, and every request in flight at that
        // moment opened it again on the thread pool (64 opens a second under the Safari probe).
        entry.expires = now + this.ttl;
        entry.checkedAt = checkedAt;
        this.entries.delete(key);
        this.entries.set(key, entry);
        return entry.file;
      }
    }
    this.forget(key, entry);
    return undefined;
  }

  /** Keeps `file` for `key` (found at `path`); the cache takes over the caller's reference. */
  put(key: string, path: string, file: SharedFd): void {
    const old = this.entries.get(key);
    if (old !== undefined) this.forget(key, old);
    this.entries.set(key, { file, path, expires: Date.now() + this.ttl, checkedAt: -Infinity });
    if (this.entries.size > this.size) {
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.forget(oldestKey, oldest);
    }
    // The timer does not keep the process alive.
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(this.ttl, 250)).unref();
  }

  /** Closes every cached descriptor (a clean shutdown). */
  clear(): void {
    for (const [key, entry] of this.entries) this.forget(key, entry);
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private forget(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    entry.file.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expires < now) this.forget(key, entry);
    if (this.entries.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}

/**
 * Whether the entry's path still leads to the very file it holds, unchanged. ctime too: a chmod or a
 * new hard link changes only that, and either can make the file one not to serve (unreadable, or
 * refused under hardLinks: false). An entry in steady demand is never reopened, so this is where such
 * a change must be seen.
 */
function unchanged(entry: Entry): boolean {
  let seen: ReturnType<typeof statSync> | undefined;
  try {
    seen = statSync(entry.path, { throwIfNoEntry: false });
  } catch {
    return false;
  }
  const was = entry.file.stats;
  return (
    seen !== undefined &&
    seen.ino === was.ino &&
    seen.dev === was.dev &&
    seen.size === was.size &&
    seen.mtimeMs === was.mtimeMs &&
    seen.ctimeMs === was.ctimeMs
  );
}
