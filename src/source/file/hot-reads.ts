import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { HeatMaps, SLOW_READ_MS, type Heat } from './heat.js';
import type { SharedFd } from './shared-fd.js';

/**
 * Which reads a file source does on the event loop rather than on the thread pool, where the hop there and
 * back costs more than a read from the page cache: bytes of this file read within the last minute
 * (heat.ts), and, on a file served within the last second (an open-file cache hit), reads of at most
 * 64 KiB inside its first MiB. Every player reads that region first (Safari's probe, the ftyp and moov
 * of a web-optimized MP4, WebM headers), so it is in the page cache. When a guess is wrong, the event
 * loop waits for the disk (on an SSD, about as long as a 1 MiB copy takes; on a spinning disk, up to
 * tens of ms), and two such reads within ten seconds make the heat map forget the file, so its reads go
 * back to the thread pool.
 *
 * One per FileSource: it owns the heat maps of the files that source reads and the block-input count.
 */
export class HotReads {
  private readonly maps = new HeatMaps();
  /** The process's block-input count when last asked (see readFromDisk). */
  private blockInputs = process.resourceUsage().fsRead;

  /** The heat map of a newly opened descriptor's version of its file. */
  heatOf(file: SharedFd): Heat {
    return this.maps.of(file.stats);
  }

  /**
   * Reads on the event loop when the bytes are known to be cached, returning the count; undefined when they
   * are not (the caller reads on the thread pool). `recent`: the file was served within the last
   * second, so its first MiB counts as cached.
   */
  tryRead(file: SharedFd, recent: boolean, buffer: Buffer, length: number, position: number): number | undefined {
    const heat = file.heat;
    if (heat === undefined) return undefined;
    const now = performance.now();
    // The first bytes of a file served within the last second count as cached, unless reads of this
    // file were found to wait for the disk lately: then only what was read since counts.
    const firstBytes = recent && length <= HOT_READ && position + length <= HOT_REGION && !heat.recentlyForgotten(now);
    if (!firstBytes && !heat.covers(position, length, now)) return undefined;
    const bytesRead = fs.readSync(file.fd, buffer, 0, length, position);
    const ms = performance.now() - now;
    if (ms > SLOW_READ_MS && (ms > SURELY_SLOW_MS || this.readFromDisk())) heat.slowRead(now);
    heat.mark(position, bytesRead, now);
    return bytesRead;
  }

  /**
   * Whether the process has read from a block device since the last call: getrusage's block-input
   * count, which page-cache hits do not raise. Asked only after a slow read (it is a syscall), it tells
   * apart, on a server whose files are all cached, a read that waited for the disk from one that waited
   * for the CPU: in a benchmark round, interrupts on a busy core made two 1 MiB reads from the cache
   * take over 10 ms, and the seek storm that followed ran on the thread pool at a third of its speed.
   * The count is the whole process's, thread pool included, since the previous call: on a server that
   * is also reading cold files, it has grown anyway, and a read slow for want of CPU counts as well.
   */
  readFromDisk(): boolean {
    const now = process.resourceUsage().fsRead;
    const grew = now > this.blockInputs;
    this.blockInputs = now;
    return grew;
  }

  /** Forgets every file's heat (the source is closing). */
  clear(): void {
    this.maps.clear();
  }
}

const HOT_REGION = 1024 * 1024;
const HOT_READ = 64 * 1024;
/**
 * A read this slow counts whatever the block-input count says: FUSE, NFS and SMB mounts (and a page
 * another process is fetching) make reads wait without raising it.
 */
const SURELY_SLOW_MS = 50;
