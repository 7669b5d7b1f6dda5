import fs from 'node:fs';
import { makeEtag } from '../../http/etag.js';
import type { Heat } from './heat.js';

/**
 * An open descriptor shared by everyone reading it (lookups, range readers, the open-file cache),
 * closed when the last of them lets go. Reads are positional (pread), so readers never disturb one
 * another. Starts with one reference, owned by whoever opened it.
 */
export class SharedFd {
  private refs = 1;
  private tag: string | undefined;
  /** What of this version of the file was read lately, when the source reads hot bytes on the event loop. */
  heat: Heat | undefined;

  constructor(
    readonly fd: number,
    readonly stats: fs.Stats,
    /** Called once the descriptor is closed (closing is asynchronous). */
    private readonly onClosed?: () => void,
  ) {}

  /** The strong validator of this version, made once per descriptor: a probe storm asks for it thousands of times a second. */
  get etag(): string {
    this.tag ??= makeEtag(this.stats.size, this.stats.mtimeMs);
    return this.tag;
  }

  ref(): void {
    this.refs++;
  }

  unref(): void {
    if (--this.refs === 0) fs.close(this.fd, () => this.onClosed?.());
  }
}

/** Error codes that mean "no such file here" rather than "the server is broken". */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES', 'EPERM', 'EISDIR', 'ENXIO']);

/** Whether an error of the filesystem means that there is no file to serve there. */
export function isMissing(err: unknown): boolean {
  return MISSING.has((err as NodeJS.ErrnoException | null)?.code ?? '');
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

/** Counts the descriptors one owner has open, until each is closed. */
export class DescriptorCount {
  open = 0;
  readonly opened = (): void => void this.open++;
  readonly closed = (): void => void this.open--;
}

/**
 * Opens a regular file as a shared descriptor (one reference, the caller's), or undefined when there
 * is no regular file there. Decisions are made on the fstat of the very descriptor that is streamed,
 * so a file replaced between lookup and read (new inode) is served consistently as one version.
 */
export async function openShared(path: string, count?: DescriptorCount): Promise<SharedFd | undefined> {
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
      count?.opened();
      return new SharedFd(fd, stats, count?.closed);
    }
  } catch (err) {
    fs.close(fd, () => {});
    throw err;
  }
  fs.close(fd, () => {}); // a directory, device or FIFO is not a file to serve
  return undefined;
}
