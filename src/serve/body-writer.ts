/**
 * What the body executor (send-body.ts) writes to: one response on one kind of door (node:http, a
 * Fetch API stream). A writer sends the status and headers with its first write, and says how the
 * client takes what it is given, which is all the executor needs to size reads and wait.
 */
export interface BodyWriter {
  /** The client has gone: nothing more is to be read or written. */
  readonly gone: boolean;
  /** Bytes the client's connection has carried so far: the read sizing's measure of a fast client. */
  readonly carried: number;
  /** Bytes written and not yet taken by the client's connection. */
  readonly pending: number;
  /**
   * Whether a chunk's buffer may be reused once its `free` callback has run. False where something
   * may keep the chunk after that (a middleware that wraps the response, a web stream's consumer):
   * the executor then reads into a fresh buffer per chunk.
   */
  readonly reusable: boolean;
  /**
   * Writes the framing `text` (multipart part headers) and then `chunk`, preceded the first time by
   * the status line and headers, in one go; `last` ends the body with them. `free` runs once the
   * chunk's memory may be reused. Returns 'taken' when the connection took everything at once, 'held'
   * when the writer holds some of it within its limit, 'full' when the caller must wait for onRoom.
   */
  write(text: readonly string[], chunk: Buffer | undefined, free: (() => void) | undefined, last: boolean): WriteOutcome;
  /** Calls back once, when the client has taken enough to make room or has gone. */
  onRoom(callback: () => void): void;
}

/** How a write went: taken by the connection at once, held by the writer within its limit, or full (wait for onRoom). */
export type WriteOutcome = 'taken' | 'held' | 'full';
