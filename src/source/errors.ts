/** Errors a Source reports while reading; the doors tell them apart from faults of the source. */

/** The resource ended before the range that was promised: its body can no longer match its headers. */
export class ShortReadError extends Error {
  override name = 'ShortReadError';
}

/** The resource was modified after it was looked up: what is still to be sent belongs to another version. */
export class ChangedError extends Error {
  override name = 'ChangedError';
}
