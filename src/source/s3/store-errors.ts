import { ChangedError, StoreRefusedError, StoreUnavailableError } from '../errors.js';

/** What the SDK attaches to the errors it throws. */
interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** Answers of a store that mean "this object is not the one you looked up" (or is gone). */
const CHANGED = new Set([404, 412, 416]);
/** Answers that mean the store refused our credentials or their rights. */
const DENIED = new Set([401, 403]);

/** Seconds from a Retry-After the store sent (RFC 9110 §10.2.3: delay-seconds only), else 1. */
function retryAfterOf(err: SdkError): number {
  const value = Number(err.$response?.headers?.['retry-after']);
  return Number.isInteger(value) && value > 0 ? Math.min(value, 60) : 1;
}

/**
 * Turns an SDK error of a request for `what` ("s3://bucket/key") into one the doors answer: the
 * object changed or went away (404/412/416 on a GET made with If-Match), access denied (502), or the
 * store unavailable (503: throttled, 5xx, refused, reset, timed out). `what` names the object in the
 * message; credentials never appear in it.
 */
export function storeError(err: unknown, what: string): Error {
  if (err instanceof ChangedError || err instanceof StoreRefusedError || err instanceof StoreUnavailableError) return err;
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? e.code ?? 'Error';
  if (name === 'NoSuchBucket') return new StoreRefusedError(`${what}: the store has no such bucket`);
  if (status !== undefined && CHANGED.has(status)) return new ChangedError(`${what}: changed or removed since it was looked up (${name})`);
  if (status === 429 || status === 503 || name === 'SlowDown') {
    return new StoreUnavailableError(`${what}: the store asks to slow down (${name})`, retryAfterOf(e), { cause: err });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    const why = DENIED.has(status) ? 'refused access' : 'refused the request';
    return new StoreRefusedError(`${what}: the store ${why} (${name}, ${status})`);
  }
  const detail = status !== undefined ? `${name}, ${status}` : `${name}: ${(err as Error)?.message ?? String(err)}`;
  return new StoreUnavailableError(`${what}: the store did not answer (${detail})`, 1, { cause: err });
}
