import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { heatOf, SLOW_READ_MS, type Heat } from './heat.js';
import type { Resource } from './types.js';

/** Thrown into a stream when the file ends before the range that was promised. */
export class ShortReadError extends Error {
  override name = 'ShortReadError';
}

/** Thrown into a stream when the file was modified while it was being sent. */
export class ChangedError extends Error {
  override name = 'ChangedError';
}

/** Bytes per read of a stream from open(). (The sender reads through pread instead: see serve/pump.ts.) */
const STREAM_CHUNK = 64 * 1024;
/** Bodies at least this long check for an in-place rewrite before their last chunk (here and in the sender's pump). */
export const CHECK_AFTER = 8 * 1024 * 1024;

/**
 * An open descriptor shared by everyone reading it (lookups, streams, the open-file cache), closed
 * when the last of them lets go. Reads are positional (pread), so readers never disturb one another.
 * Starts with one reference, owned by whoever opened it.
 */
export class SharedFd {
  private refs = 1;
  /** What of this version of the file was read lately (see heat.ts). */
  readonly heat: Heat;
  constructor(
    readonly fd: number,
    readonly stats: fs.Stats,
    /** Called once the descriptor is closed (the source's count of what it holds open). */
    private readonly onClosed?: () => void,
  ) {
    this.heat = heatOf(stats.dev, stats.ino, stats.size, stats.mtimeMs, stats.ctimeMs);
  }
  ref(): void {
    this.refs++;
  }
  unref(): void {
    if (--this.refs === 0) fs.close(this.fd, () => this.onClosed?.());
  }
}

/**
 * Reads exactly [start, end] from a descriptor. Unlike fs.ReadStream it treats end-of-file before `end`
 * as an error, and it never lets the descriptor go while a read is still in flight on the thread pool
 * (closing then could hand the number to another open and read someone else's file).
 *
 *
 * The sender does not use it for files (it reads into pooled buffers, serve/pump.ts); it serves
 * whoever reads a file as a stream: the media probes, and a library user's own code.
 */
class RangeReader extends Readable {
  private pos: number;
  private readonly start: number;
  private reading = false;
  private afterRead: (() => void) | undefined;

  constructor(
    private readonly file: SharedFd,
    start: number,
    private readonly end: number,
  ) {
    // No read-ahead while the consumer holds back: with any buffer allowance, Readable reads one more
    // chunk the moment the pipe pauses for backpressure, and every stalled viewer holds it. While the
    // stream flows, reads still follow one another at once. (Slow viewers: 210-330 -> 88 KiB each.)
    super({ highWaterMark: 0 });
    this.pos = start;
    this.start = start;
    file.ref();
  }

  override _read(): void {
    const length = Math.min(STREAM_CHUNK, this.end - this.pos + 1);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    this.reading = true;
    readLater(this.file, buffer, length, this.pos, (err, bytesRead) => {
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
      verify(this.file, (verifyErr) => {
        if (this.afterRead !== undefined) return this.done();
        if (verifyErr) return this.fail(verifyErr);
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

/**
 * Calls back with a ChangedError if the file was modified in place since it was opened. Growth is
 * allowed: appending (a recording still being written, a download in progress) leaves the promised
 * bytes as they were. The cost: a rewrite that also grows the file goes unnoticed.
 */
function verify(file: SharedFd, done: (err: Error | null) => void): void {
  file.ref();
  fs.fstat(file.fd, (err, now) => {
    file.unref();
    if (err) return done(err);
    const before = file.stats;
    if (now.size < before.size || (now.size === before.size && now.mtimeMs !== before.mtimeMs)) {
      return done(new ChangedError(`file modified while being sent (${before.size} bytes, mtime ${before.mtimeMs})`));
    }
    done(null);
  });
}

export interface FileResource extends Resource {
  /** Hard links to the file (1: none besides this one). */
  links: number;
}

/**
 * Reads done on the spot rather than on the thread pool, where the hop there and back costs more than
 * a read from the page cache: bytes of this file read within the last minute (heat.ts), and, on a file
 * served within the last second (an open-file cache hit), reads of at most 64 KiB inside its first
 * MiB. Every player reads that region first (Safari's probe, the ftyp and moov of a web-optimized MP4,
 * WebM headers), so it is in the page cache. When a guess is wrong, the event loop waits for the disk
 * (on an SSD, about as long as a 1 MiB copy takes; on a spinning disk, up to tens of ms), and two such
 * reads within ten seconds make the heat map forget the file, so its reads go back to the thread pool.
 */
const HOT_REGION = 1024 * 1024;
const HOT_READ = 64 * 1024;

export interface ReadPolicy {
  /** Reads may be done on the spot when the bytes are known to be cached (default true). */
  onTheSpot?: boolean;
  /** The file was served within the last second: its first MiB counts as cached. */
  cached?: boolean;
}

function onTheSpot(file: SharedFd, policy: ReadPolicy, position: number, length: number, now: number): boolean {
  if (policy.onTheSpot === false) return false;
  return (policy.cached === true && length <= HOT_READ && position + length <= HOT_REGION) || file.heat.covers(position, length, now);
}

/** pread on the spot, timed: one that was slow because it went to the disk counts against the file (heat.ts). */
function readNow(file: SharedFd, buffer: Buffer, length: number, position: number, now: number): number {
  const bytesRead = fs.readSync(file.fd, buffer, 0, length, position);
  const ms = performance.now() - now;
  if (ms > SLOW_READ_MS && (ms > SURELY_SLOW_MS || readFromDisk())) file.heat.slowRead(now);
  file.heat.mark(position, bytesRead, now);
  return bytesRead;
}

/**
 * A read this slow counts whatever the block-input count says: FUSE, NFS and SMB mounts (and a page
 * another process is fetching) make reads wait without raising it.
 */
const SURELY_SLOW_MS = 50;

/**
 * Whether the process has read from a block device since the last call: getrusage's block-input
 * count, which page-cache hits do not raise. Asked only after a slow read (it is a syscall), it tells
 * apart, on a server whose files are all cached, a read that waited for the disk from one that waited
 * for the CPU: in a benchmark round, interrupts on a busy core made two 1 MiB reads from the cache
 * take over 10 ms, and the seek storm that followed ran on the thread pool at a third of its speed.
 * The count is the whole process's, thread pool included, since the previous call: on a server that
 * is also reading cold files, it has grown anyway, and a read slow for want of CPU counts as well.
 */
let blockInputs = process.resourceUsage().fsRead;
export function readFromDisk(): boolean {
  const now = process.resourceUsage().fsRead;
  const grew = now > blockInputs;
  blockInputs = now;
  return grew;
}

/** pread on the thread pool; the descriptor is held until it is back. */
function readLater(file: SharedFd, buffer: Buffer, length: number, position: number, done: (err: Error | null, bytesRead: number) => void): void {
  file.ref();
  fs.read(file.fd, buffer, 0, length, position, (err, bytesRead) => {
    file.unref();
    if (err) return done(err, 0);
    file.heat.mark(position, bytesRead, performance.now());
    done(null, bytesRead);
  });
}

/** A Resource over a shared descriptor: it takes a reference now and gives it back on release. */
export function fileResource(file: SharedFd, policy: ReadPolicy = {}): FileResource {
  file.ref();
  let released = false;
  const pread: NonNullable<Resource['pread']> = (buffer, length, position, done) => {
    const now = performance.now();
    if (!onTheSpot(file, policy, position, length, now)) return readLater(file, buffer, length, position, done);
    let bytesRead: number;
    try {
      bytesRead = readNow(file, buffer, length, position, now);
    } catch (err) {
      return done(err as Error, 0);
    }
    done(null, bytesRead);
  };
  return {
    size: file.stats.size,
    mtimeMs: file.stats.mtimeMs,
    links: file.stats.nlink,
    open: (start, end) => new RangeReader(file, start, end),
    read: (start, length) =>
      new Promise((resolve, reject) => {
        const buffer = Buffer.allocUnsafe(length);
        pread(buffer, length, start, (err, bytesRead) => {
          if (err) reject(err);
          else if (bytesRead < length) reject(new ShortReadError(`file ended at byte ${start + bytesRead}, before ${start + length - 1}`));
          else resolve(buffer);
        });
      }),
    pread,
    verify: (done) => verify(file, done),
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
export async function openShared(path: string, counter?: { opened(): void; closed(): void }): Promise<SharedFd | undefined> {
  let fd: number;
  try {
    fd = await openFd(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    const stats = await fstat(fd);
    if (stats.isFile()) {
      counter?.opened();
      return new SharedFd(fd, stats, counter && (() => counter.closed()));
    }
  } catch (err) {
    fs.close(fd, () => {});
    throw err;
  }
  fs.close(fd, () => {}); // a directory, device or FIFO is not a file to serve
  return undefined;
}

/** Opens a regular file by absolute path, no jail: for callers that resolved the path themselves. */
export async function openFile(path: string): Promise<FileResource | undefined> {
  const file = await openShared(path);
  if (file === undefined) return undefined;
  const resource = fileResource(file);
  file.unref(); // the resource holds the descriptor now
  return resource;
}
