import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { Resource } from './types.js';

/** Thrown into a stream when the file ends before the range that was promised. */
export class ShortReadError extends Error {
  override name = 'ShortReadError';
}

/** Thrown into a stream when the file was modified while it was being sent. */
export class ChangedError extends Error {
  override name = 'ChangedError';
}

/** First read of a stream: small enough for a slow viewer, the start for a fast one. */
export const DEFAULT_CHUNK = 64 * 1024;
/** Reads never shrink below this: fewer bytes per thread-pool hop would cost more than they save. */
const MIN_READ = 16 * 1024;
/** Nor grow past this: past 1 MiB throughput no longer improves, and memory per reader does. */
const MAX_READ = 1024 * 1024;
/** Reads grow past DEFAULT_CHUNK only on connections that have carried this much (see RangeReader). */
const GROW_AFTER = 16 * 1024 * 1024;
/** Streams at least this long check for an in-place rewrite before their last chunk. */
const CHECK_AFTER = 8 * 1024 * 1024;

/**
 * An open descriptor shared by everyone reading it (lookups, streams, the open-file cache), closed
 * when the last of them lets go. Reads are positional (pread), so readers never disturb one another.
 * Starts with one reference, owned by whoever opened it.
 */
export class SharedFd {
  private refs = 1;
  constructor(
    readonly fd: number,
    readonly stats: fs.Stats,
  ) {}
  ref(): void {
    this.refs++;
  }
  unref(): void {
    if (--this.refs === 0) fs.close(this.fd, () => {});
  }
}

/**
 * Reads exactly [start, end] from a descriptor. Unlike fs.ReadStream it treats end-of-file before `end`
 * as an error, and it never lets the descriptor go while a read is still in flight on the thread pool
 * (closing then could hand the number to another open and read someone else's file).
 *
 * The read size follows how fast the client drains (the PITFALLS trade-off between throughput and
 * memory per slow viewer), given `flushed`, the bytes the connection has handed to the kernel: each
 * read is twice what was flushed since the last one, from 16 KiB up to 64 KiB, and up to 1 MiB once
 * the connection has carried 16 MiB. A client on a fast link gets 1 MiB reads and few thread-pool
 * hops; a slow viewer holds small chunks.
 * Why the 16 MiB: the kernel takes the first few MiB of any connection at once (its send buffer grows
 * to 4 MiB here), so a slow viewer looks fast until that fills, and the big chunk in flight at that
 * moment would then sit in memory for seconds. Past what kernel buffers hold, a connection that still
 * flushes fast really is fast.
 * (Neither backpressure nor timing works as the signal: a socket's 16 KiB high-water mark makes every
 * larger write "full" however fast the kernel takes it, and Readable asks for the next chunk right
 * after each push, before the client has drained anything.)
 */
class RangeReader extends Readable {
  private pos: number;
  private size: number;
  private readonly start: number;
  private lastFlushed: number | undefined;
  private reading = false;
  private afterRead: (() => void) | undefined;

  constructor(
    private readonly file: SharedFd,
    start: number,
    private readonly end: number,
    initial: number,
    private readonly flushed: (() => number) | undefined,
  ) {
    // No read-ahead while the consumer holds back: with any buffer allowance, Readable reads one more
    // chunk the moment the pipe pauses for backpressure, and every stalled viewer holds it. While the
    // stream flows, reads still follow one another at once. (Slow viewers: 210-330 -> 88 KiB each.)
    super({ highWaterMark: 0 });
    this.pos = start;
    this.start = start;
    this.size = Math.max(MIN_READ, Math.min(MAX_READ, initial));
    file.ref();
  }

  override _read(): void {
    if (this.flushed !== undefined) {
      const now = this.flushed();
      const ceiling = now >= GROW_AFTER ? MAX_READ : DEFAULT_CHUNK;
      if (this.lastFlushed !== undefined) this.size = Math.max(MIN_READ, Math.min(ceiling, 2 * (now - this.lastFlushed)));
      this.lastFlushed = now;
    }
    const length = Math.min(this.size, this.end - this.pos + 1);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    this.reading = true;
    fs.read(this.file.fd, buffer, 0, length, this.pos, (err, bytesRead) => {
      if (this.afterRead !== undefined) return this.done();
      if (err) return this.fail(err);
      if (bytesRead === 0) return this.fail(new ShortReadError(`file ended at byte ${this.pos}, before ${this.end}`));
      this.pos += bytesRead;
      const chunk = bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
      if (this.pos <= this.end) return this.deliver(chunk, false);
      // The last chunk of a long stream: a file rewritten in place while it was sent would leave the
      // client with a body that matches neither version nor the ETag, so check before completing it.
      // One fstat per long response; shorter ones (probes, a player's range requests) are over too
      // soon to meet a rewrite, and the open-file cache shows one to the next request.
      if (this.end - this.start + 1 < CHECK_AFTER) return this.deliver(chunk, true);
      fs.fstat(this.file.fd, (statErr, now) => {
        if (this.afterRead !== undefined) return this.done();
        if (statErr) return this.fail(statErr);
        // Growth is allowed: appending (a recording still being written, a download in progress) leaves
        // the promised bytes as they were. The cost: a rewrite that also grows the file goes unnoticed.
        const before = this.file.stats;
        if (now.size < before.size || (now.size === before.size && now.mtimeMs !== before.mtimeMs)) {
          return this.fail(new ChangedError(`file modified while being sent (byte ${this.pos} of ${this.end + 1})`));
        }
        this.deliver(chunk, true);
      });
    });
  }

  private deliver(chunk: Buffer, last: boolean): void {
    this.reading = false;
    this.push(chunk);
    if (last) this.push(null);
  }

  private fail(err: Error): void {
    this.reading = false;
    this.destroy(err);
  }

  /** A destroy arrived while the descriptor was in use: it can be let go now. */
  private done(): void {
    this.reading = false;
    this.afterRead?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const done = () => {
      this.file.unref();
      callback(error);
    };
    if (this.reading) this.afterRead = done;
    else done();
  }
}

export interface FileResource extends Resource {
  /** Hard links to the file (1: none besides this one). */
  links: number;
}

/**
 * Small reads done on the spot rather than on the thread pool: a file served within the last second
 * (an open-file cache hit), a range of at most 64 KiB, inside its first MiB. Every player reads that
 * region first (Safari's probe, the ftyp and moov of a web-optimized MP4, WebM headers), so it is in
 * the page cache, and a pread from there takes microseconds, while the hop to the thread pool and
 * back costs more than the read. nginx reads this way always; we only here. The cost: if those pages
 * were evicted, the event loop waits for the disk once.
 */
const HOT_REGION = 1024 * 1024;
const HOT_READ = 64 * 1024;

/** A Resource over a shared descriptor: it takes a reference now and gives it back on release. */
export function fileResource(file: SharedFd, chunk = DEFAULT_CHUNK, hot = false): FileResource {
  file.ref();
  let released = false;
  return {
    size: file.stats.size,
    mtimeMs: file.stats.mtimeMs,
    links: file.stats.nlink,
    open: (start, end, options) => new RangeReader(file, start, end, chunk, options?.flushed),
    read: (start, length) => {
      if (hot && length <= HOT_READ && start + length <= HOT_REGION) {
        const buffer = Buffer.allocUnsafe(length);
        let bytesRead: number;
        try {
          bytesRead = fs.readSync(file.fd, buffer, 0, length, start);
        } catch (err) {
          return Promise.reject(err);
        }
        return bytesRead < length
          ? Promise.reject(new ShortReadError(`file ended at byte ${start + bytesRead}, before ${start + length - 1}`))
          : Promise.resolve(buffer);
      }
      return new Promise((resolve, reject) => {
        const buffer = Buffer.allocUnsafe(length);
        fs.read(file.fd, buffer, 0, length, start, (err, bytesRead) => {
          if (err) reject(err);
          else if (bytesRead < length) reject(new ShortReadError(`file ended at byte ${start + bytesRead}, before ${start + length - 1}`));
          else resolve(buffer);
        });
      });
    },
    release: () => {
      if (released) return;
      released = true;
      file.unref();
    },
  };
}

function openFd(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // O_NONBLOCK: opening a FIFO someone placed in the root must not park a thread-pool thread forever.
    fs.open(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

function fstat(fd: number): Promise<fs.Stats> {
  return new Promise((resolve, reject) => fs.fstat(fd, (err, stats) => (err ? reject(err) : resolve(stats))));
}

/** Error codes that mean "no such file here" rather than "the server is broken". */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES', 'EPERM', 'EISDIR', 'ENXIO']);

export function isMissing(err: unknown): boolean {
  return MISSING.has((err as NodeJS.ErrnoException | null)?.code ?? '');
}

/**
 * Opens a regular file as a shared descriptor (one reference, the caller's), or undefined when there
 * is no regular file there. Decisions are made on the fstat of the very descriptor that is streamed,
 * so a file replaced between lookup and read (new inode) is served consistently as one version.
 */
export async function openShared(path: string): Promise<SharedFd | undefined> {
  let fd: number;
  try {
    fd = await openFd(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    const stats = await fstat(fd);
    if (stats.isFile()) return new SharedFd(fd, stats);
  } catch (err) {
    fs.close(fd, () => {});
    throw err;
  }
  fs.close(fd, () => {}); // a directory, device or FIFO is not a file to serve
  return undefined;
}

/** Opens a regular file by absolute path, no jail: for callers that resolved the path themselves. */
export async function openFile(path: string, chunk = DEFAULT_CHUNK): Promise<FileResource | undefined> {
  const file = await openShared(path);
  if (file === undefined) return undefined;
  const resource = fileResource(file, chunk);
  file.unref(); // the resource holds the descriptor now
  return resource;
}
