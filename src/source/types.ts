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
  /** Gives up the lookup's hold. Idempotent. */
  release(): void;
}

/** Where bytes come from. A Source never builds a status code or a header. */
export interface Source {
  /** Looks up a key (a decoded, '/'-separated relative path); undefined when there is no such file. */
  stat(key: string): Promise<Resource | undefined>;
}
