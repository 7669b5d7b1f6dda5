/** Errors a Source reports while reading; the doors tell them apart from faults of the source. */

/** The resource ended before the range that was promised: its body can no longer match its headers. */
export class ShortReadError extends Error {
  override name = 'ShortReadError';
}

/** The resource was modified after it was looked up: what is still to be sent belongs to another version. */
export class ChangedError extends Error {
  override name = 'ChangedError';
}

/**
 * The store cannot answer now: unreachable, timed out, or asking us to slow down (S3's SlowDown and
 * 503). A passing condition: doors answer 503 with Retry-After before the headers, and cut after them.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    message: string,
    /** Seconds a client should wait before it asks again. */
    readonly retryAfter = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The store refused our request (S3's AccessDenied, a bad signature, an expired credential, any other
 * 4xx): our configuration is wrong, not the viewer's request, so doors answer 502 and log the message,
 * which names the bucket and key and never a credential.
 */
export class StoreRefusedError extends Error {
  override name = 'StoreRefusedError';
}
