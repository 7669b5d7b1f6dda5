/**
 * Which parts of a file this process has read lately, and so can read again without waiting on a disk.
 *
 * A read is cheapest done on the event loop: from the page cache a pread copies at memory speed, while the
 * trip to the thread pool and back costs more than the copy and holds a response up (the benchmark's
 * seek storm, measured with one server on one core: 2,500 random 1 MiB ranges a second through the
 * thread pool, 3,370 read on the event loop). nginx reads on the event loop always, and its event loop waits
 * whenever the disk does. We read on the event loop only bytes we read ourselves within the last minute:
 * what a busy video server serves again and again (the first MiB of every file, the parts of a popular
 * video everyone watches) and what is all but certain to still be cached. If that turns out wrong (the
 * pages were evicted), the reads that find out are slow, and two of them within ten seconds make the
 * map forget the file: its reads go back to the thread pool until they have marked it again.
 *
 * Blocks are 64 KiB whatever the file's size, kept in pages of 64 MiB of file that exist only where
 * something was read, at most 32 pages (2 GiB of a file, 128 KiB of stamps) per file. The map is per
 * version of a file (device, inode, size, mtime, ctime), kept beyond the descriptor: the open-file
 * cache lets a descriptor go one second after its last use. Pure bookkeeping: the clock (monotonic
 * milliseconds) is passed in.
 */

/** Blocks read within this long count as cached. */
export const HOT_MS = 60_000;
/**
 * A read on the event loop that took longer than this may have gone to the disk. From the page cache a 1 MiB
 * read takes 0.1-0.3 ms here, but one in about 10,000 takes up to 10 ms when the thread is preempted,
 * and more under a storm of network interrupts on the same core: so a slow read counts only if the
 * process did read from a disk meanwhile (see hot-reads.ts).
 */
export const SLOW_READ_MS = 10;
/** Two slow reads this close together make the map forget the file. */
export const SLOW_WINDOW_MS = 10_000;
export const BLOCK = 64 * 1024;
const PAGE_BLOCKS = 1024;
const MAX_PAGES = 32;
/** How many files' maps are kept (the least recently looked up goes first): at most 8 MiB in all. */
const MAX_FILES = 64;

export class Heat {
  /** Per page of the file: per block, when it was last read, in seconds (0: not read). */
  private readonly pages = new Map<number, Uint32Array>();
  private lastSlow = -Infinity;
  /** When slow reads last made the map forget the file. */
  private forgotAt = -Infinity;

  /**
   * Records that [start, start + length) was just read. Blocks read in part count as read: the kernel
   * reads whole pages and reads ahead of every read (128 KiB by default), so what is left unread of an
   * edge block is at most a few pages of its 64 KiB, and if those were not cached, the read that finds
   * out is timed.
   */
  mark(start: number, length: number, now: number): void {
    if (length <= 0) return;
    const stamp = Math.floor(now / 1000) + 1;
    const last = Math.floor((start + length - 1) / BLOCK);
    for (let block = Math.floor(start / BLOCK); block <= last; ) {
      const index = Math.floor(block / PAGE_BLOCKS);
      const stamps = this.page(index);
      const end = Math.min(last + 1, (index + 1) * PAGE_BLOCKS);
      stamps.fill(stamp, block - index * PAGE_BLOCKS, end - index * PAGE_BLOCKS);
      block = end;
    }
  }

  /** Whether every block of [start, start + length) was read within HOT_MS. */
  covers(start: number, length: number, now: number): boolean {
    if (length <= 0) return false;
    const oldest = Math.floor((now - HOT_MS) / 1000) + 1;
    const last = Math.floor((start + length - 1) / BLOCK);
    for (let block = Math.floor(start / BLOCK); block <= last; block++) {
      const index = Math.floor(block / PAGE_BLOCKS);
      const stamp = this.pages.get(index)?.[block - index * PAGE_BLOCKS] ?? 0;
      if (stamp === 0 || stamp < oldest) return false;
    }
    return true;
  }

  /**
   * A read on the event loop went to the disk: the second within SLOW_WINDOW_MS makes the map forget the file,
   * since its pages are being evicted. Reads then go to the thread pool, and mark what they bring in.
   */
  slowRead(now: number): void {
    if (now - this.lastSlow > SLOW_WINDOW_MS) {
      this.lastSlow = now;
      return;
    }
    this.lastSlow = -Infinity;
    this.forgotAt = now;
    this.pages.clear();
  }

  /** Whether slow reads made the map forget the file within HOT_MS: no guess about its pages holds then. */
  recentlyForgotten(now: number): boolean {
    return now - this.forgotAt < HOT_MS;
  }

  private page(index: number): Uint32Array {
    let stamps = this.pages.get(index);
    if (stamps === undefined) {
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
      stamps = new Uint32Array(PAGE_BLOCKS);
      this.pages.set(index, stamps);
    }
    return stamps;
  }
}

/**
 * The heat maps of the files one source reads, one per version of a file, shared by every descriptor
 * opened on it, the least recently looked up going first beyond MAX_FILES.
 */
export class HeatMaps {
  private readonly maps = new Map<string, Heat>();

  /** The map of one version of a file (device, inode, size, mtime, ctime), made on first use. */
  of(stats: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }): Heat {
    const key = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    let heat = this.maps.get(key);
    if (heat !== undefined) {
      this.maps.delete(key); // move to the young end
    } else {
      heat = new Heat();
      if (this.maps.size >= MAX_FILES) this.maps.delete(this.maps.keys().next().value!);
    }
    this.maps.set(key, heat);
    return heat;
  }

  clear(): void {
    this.maps.clear();
  }
}
