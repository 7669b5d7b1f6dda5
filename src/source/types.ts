import type { Readable } from 'node:stream';
import type { Representation } from '../http/types.js';

/**
 * One file (or object) looked up by a Source: its representation, plus the means to stream its bytes.
 * Whatever the lookup holds (an open descriptor) stays valid until `release()` has been called and
 * every stream from `open()` has closed, so a plan is always served from the bytes it was decided on.
 */
export interface Resource extends Representation {
  /**
   * Streams bytes `start` to `end` inclusive. The stream errors, rather than ends, if fewer bytes can be
   * read than that (the file shrank): a short body would contradict the Content-Length already sent.
   */
  open(start: number, end: number): Readable;
  /**
   * Reads `length` bytes from `start` into one buffer, for small ranges: no stream, one I/O. Optional;
   * it rejects rather than resolving short.
   */
  read?(start: number, length: number): Promise<Buffer>;
  /**
   * Reads up to `length` bytes at `position` into the caller's `buffer`: the sender's path, with
   * buffers it reuses and no stream per response. `done` gets the count (0: the file ended) and may be
   * called before pread returns, when the source can read on the spot. Optional: without it, bodies
   * are streamed from open().
   */
  pread?(buffer: Buffer, length: number, position: number, done: (err: Error | null, bytesRead: number) => void): void;
  /**
   * Calls back with an error if what was looked up has since been modified in place, so that a long
   * body can be cut rather than completed with bytes of two versions. Optional.
   */
  verify?(done: (err: Error | null) => void): void;
  /** Gives up the lookup's hold. Idempotent. */
  release(): void;
}


/** Where bytes come from. A Source never builds a status code or a header. */
export interface Source {
  /**
   * Looks up a key (a decoded, '/'-separated relative path); undefined when there is no such file.
   * `cache: false` asks a source that keeps looked-up files open not to keep this one (a scan that
   * visits every file once must not fill a cache meant for the files being watched).
   */
  stat(key: string, options?: { cache?: boolean }): Promise<Resource | undefined>;
}
