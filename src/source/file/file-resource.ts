import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ChangedError, ShortReadError } from '../errors.js';
import type { RangeReader, Resource } from '../types.js';
import type { HotReads } from './hot-reads.js';
import { openShared, type SharedFd } from './shared-fd.js';

/** How a file resource reads: on the event loop when the source's HotReads say so, else on the thread pool. */
export interface FileReadPolicy {
  /** The source's hot-read policy; none: every read goes to the thread pool. */
  hot?: HotReads;
  /** The file was served within the last second (an open-file cache hit): its first MiB counts as cached. */
  recent?: boolean;
}

/**
 * Reads [start, end] of a shared descriptor with pread. End-of-file before `end` is an error, not an
 * early end, and the descriptor is held (a reference per read in flight) so that it is never closed
 * while the thread pool still reads from it: closing then could hand its number to another open and
 * read someone else's file.
 */
class FileRangeReader implements RangeReader {
  private pos: number;
  private closed = false;
  readonly readNow: RangeReader['readNow'];

  constructor(
    private readonly file: SharedFd,
    start: number,
    private readonly end: number,
    policy: FileReadPolicy,
  ) {
    this.pos = start;
    file.ref();
    const { hot } = policy;
    const recent = policy.recent === true;
    this.readNow =
      hot === undefined
        ? undefined
        : (buffer, length) => {
            const wanted = this.clamp(length);
            const bytesRead = hot.tryRead(file, recent, buffer, wanted, this.pos);
            return bytesRead === undefined ? undefined : this.advance(bytesRead);
          };
  }

  read(buffer: Buffer, length: number): Promise<number> {
    const wanted = this.clamp(length);
    const position = this.pos;
    const file = this.file;
    file.ref();
    return new Promise((resolve, reject) => {
      fs.read(file.fd, buffer, 0, wanted, position, (err, bytesRead) => {
        file.unref();
        if (err) return reject(err);
        file.heat?.mark(position, bytesRead, performance.now());
        try {
          resolve(this.advance(bytesRead));
        } catch (short) {
          reject(short as Error);
        }
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.unref();
  }

  private clamp(length: number): number {
    return Math.min(length, this.end - this.pos + 1);
  }

  private advance(bytesRead: number): number {
    if (bytesRead === 0 && this.pos <= this.end) throw new ShortReadError(`file ended at byte ${this.pos}, before ${this.end}`);
    this.pos += bytesRead;
    return bytesRead;
  }
}

/**
 * Rejects with a ChangedError if the file was modified in place since it was opened. Growth is
 * allowed: appending (a recording still being written, a download in progress) leaves the promised
 * bytes as they were. The cost: a rewrite that also grows the file goes unnoticed.
 */
function checkUnchanged(file: SharedFd): Promise<void> {
  file.ref();
  return new Promise((resolve, reject) => {
    fs.fstat(file.fd, (err, now) => {
      file.unref();
      if (err) return reject(err);
      const before = file.stats;
      if (now.size < before.size || (now.size === before.size && now.mtimeMs !== before.mtimeMs)) {
        return reject(new ChangedError(`file modified while being sent (${before.size} bytes, mtime ${before.mtimeMs})`));
      }
      resolve();
    });
  });
}

/** A Resource over a shared descriptor: it takes a reference now and gives it back on release. */
export function fileResource(file: SharedFd, policy: FileReadPolicy = {}): Resource {
  file.ref();
  let released = false;
  return {
    size: file.stats.size,
    mtimeMs: file.stats.mtimeMs,
    etag: file.etag,
    readRange: (start, end) => new FileRangeReader(file, start, end, policy),
    checkUnchanged: () => checkUnchanged(file),
    release: () => {
      if (released) return;
      released = true;
      file.unref();
    },
  };
}

/** Opens a regular file by absolute path, no jail: for callers that resolved the path themselves. */
export async function openFile(path: string): Promise<Resource | undefined> {
  const file = await openShared(path);
  if (file === undefined) return undefined;
  const resource = fileResource(file);
  file.unref(); // the resource holds the descriptor now
  return resource;
}
