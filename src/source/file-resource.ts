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

/** Bytes per read. 64 KiB keeps memory per slow viewer small; see PITFALLS.md for the trade-off. */
export const DEFAULT_CHUNK = 64 * 1024;

/**
 * An open descriptor shared by the lookup and the streams reading from it, closed when the last of
 * them lets go. Reads are positional (pread), so several streams never disturb one another.
 */
class SharedFd {
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
 */
class RangeReader extends Readable {
  private pos: number;
  private reads = 0;
  private reading = false;
  private afterRead: (() => void) | undefined;

  constructor(
    private readonly file: SharedFd,
    start: number,
    private readonly end: number,
    private readonly chunk: number,
  ) {
    super({ highWaterMark: chunk });
    this.pos = start;
    file.ref();
  }

  override _read(): void {
    const length = Math.min(this.chunk, this.end - this.pos + 1);
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
      // One fstat per multi-read response; single reads (probes, small ranges) skip it.
      if (this.reads === 1) return this.deliver(chunk, true);
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
    this.reads++; // counted when issued: the callback above always runs later
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

/** Wraps a descriptor and its fstat as a Resource. */
export function fileResource(fd: number, stats: fs.Stats, chunk = DEFAULT_CHUNK): Resource & { links: number } {
  const file = new SharedFd(fd, stats);
  let released = false;
  return {
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    links: stats.nlink,
    open: (start, end) => new RangeReader(file, start, end, chunk),
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
 * Opens a regular file by absolute path, no jail: for callers that resolved the path themselves.
 * Decisions are then made on the fstat of the very descriptor that is streamed, so a file replaced
 * between lookup and read (new inode) is served consistently as the version that was looked up.
 */
export async function openFile(path: string, chunk = DEFAULT_CHUNK): Promise<(Resource & { links: number }) | undefined> {
  let fd: number;
  try {
    fd = await openFd(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    const stats = await fstat(fd);
    if (stats.isFile()) return fileResource(fd, stats, chunk);
  } catch (err) {
    fs.close(fd, () => {});
    throw err;
  }
  fs.close(fd, () => {}); // a directory, device or FIFO is not a file to serve
  return undefined;
}
