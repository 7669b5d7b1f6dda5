/**
 * Which parts of a file this process has read lately, and so can read again without waiting on a disk.
 *
 * A read is cheapest done on the spot: from the page cache a pread copies at memory speed, while the
 * trip to the thread pool and back costs more than the copy and holds a response up (the benchmark's
 * seek storm, measured with one server on one core: 2,500 random 1 MiB ranges a second through the
 * thread pool, 3,370 read on the spot). nginx reads on the spot always, and its event loop waits
 * whenever the disk does. We read on the spot only bytes we read ourselves within the last minute:
 * what a busy video server serves again and again (the first MiB of every file, the parts of a popular
 * video everyone watches) and what is all but certain to still be cached. A read that still turns out
 * slow (the pages were evicted), twice in a row, cools the whole file down for a while.
 *
 * The map is per version of a file (device, inode, size, mtime), kept beyond the descriptor: the
 * open-file cache lets a descriptor go one second after its last use. Pure bookkeeping: the clock is
 * passed in.
 */

/** Blocks read within this long count as cached. */
export const HOT_MS = 60_000;
/**
 * Two reads on the spot in a row that took longer than this went to the disk: reads of the file go
 * back to the thread pool... (From the page cache a 1 MiB read takes 0.1-0.3 ms here; one in about
 * 10,000 takes 2-10 ms when the thread is preempted on a busy core, so one slow read proves nothing.)
 */
export const SLOW_READ_MS = 10;
/** ...for this long. */
export const COOL_MS = 30_000;
/** Smallest block tracked; larger files get larger blocks, so that one map stays at most 32 KiB. */
const MIN_BLOCK_SHIFT = 16; // 64 KiB
const MAX_BLOCKS = 8 * 1024;
/** How many files' maps are kept (the least recently used goes first): at most 4 MiB in all. */
const MAX_FILES = 128;

export class Heat {
  private readonly shift: number;
  /** Per block: when it was last read, in seconds after `epoch` (0: not read). */
  private readonly blocks: Uint32Array;
  private coolUntil = 0;
  private slowReads = 0;

  constructor(
    readonly size: number,
    private readonly epoch: number,
  ) {
    let shift = MIN_BLOCK_SHIFT;
    while (Math.ceil(size / 2 ** shift) > MAX_BLOCKS) shift++;
    this.shift = shift;
    this.blocks = new Uint32Array(Math.ceil(size / 2 ** shift));
  }

  private stamp(now: number): number {
    return Math.max(1, Math.floor((now - this.epoch) / 1000));
  }

  /**
   * Records that [start, start + length) was just read. Blocks read in part count as read: the kernel
   * reads whole pages and reads ahead of every read (128 KiB by default), so what is left unread of an
   * edge block is at most a few pages, and if those were not cached, the read that finds out is timed.
   */
  mark(start: number, length: number, now: number): void {
    if (length <= 0) return;
    const stamp = this.stamp(now);
    const last = Math.min(this.blocks.length - 1, Math.floor((start + length - 1) / 2 ** this.shift));
    for (let i = Math.floor(start / 2 ** this.shift); i <= last; i++) this.blocks[i] = stamp;
  }

  /** Whether every block of [start, start + length) was read within HOT_MS. */
  covers(start: number, length: number, now: number): boolean {
    if (now < this.coolUntil || length <= 0) return false;
    const oldest = this.stamp(now - HOT_MS);
    const last = Math.floor((start + length - 1) / 2 ** this.shift);
    for (let i = Math.floor(start / 2 ** this.shift); i <= last; i++) {
      const stamp = this.blocks[i];
      if (stamp === undefined || stamp === 0 || stamp < oldest) return false;
    }
    return true;
  }

  /** A read on the spot took `ms`: if that was the disk, forget what was known and wait a while. */
  timed(ms: number, now: number): void {
    if (ms <= SLOW_READ_MS) {
      this.slowReads = 0;
      return;
    }
    if (++this.slowReads < 2) return;
    this.slowReads = 0;
    this.blocks.fill(0);
    this.coolUntil = now + COOL_MS;
  }
}

const epoch = Date.now() - 1000;
const maps = new Map<string, Heat>();

/** The heat map of one version of a file, shared by every descriptor opened on it. */
export function heatOf(dev: number, ino: number, size: number, mtimeMs: number): Heat {
  const key = `${dev}:${ino}:${size}:${mtimeMs}`;
  let heat = maps.get(key);
  if (heat !== undefined) {
    maps.delete(key); // move to the young end
  } else {
    heat = new Heat(size, epoch);
    if (maps.size >= MAX_FILES) maps.delete(maps.keys().next().value!);
  }
  maps.set(key, heat);
  return heat;
}
