import { ChangedError, StoreRefusedError, StoreUnavailableError } from '../errors.js';

/** What the SDK attaches to the errors it throws. */
interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** A store's error answer, whichever client received it. */
export interface StoreAnswer {
  status: number;
  /** S3's error code (AccessDenied, SlowDown, NoSuchKey …), or what names the answer best. */
  code: string;
  /** The answer's Retry-After field. */
  retryAfter?: string;
}

/** Answers of a store that mean "this object is not the one you looked up" (or is gone). */
const CHANGED = new Set([404, 412, 416]);
/** Answers that mean the store refused our credentials or their rights. */
const DENIED = new Set([401, 403]);

/** Seconds from a Retry-After the store sent (RFC 9110 §10.2.3: delay-seconds only), else 1. */
function retryAfterOf(field: string | undefined): number {
  const value = Number(field);
  return Number.isInteger(value) && value > 0 ? Math.min(value, 60) : 1;
}

/**
 * Turns a store's error answer to a request for `what` ("s3://bucket/key") into one the doors answer:
 * the object changed or went away (404/412/416 on a GET made with If-Match), access denied
 * (502), or the store unavailable (503: throttled, 5xx). `what` names the object in the message;
 * credentials never appear in it.
 */
export function answerError(answer: StoreAnswer, what: string, cause?: unknown): Error {
  const { status, code } = answer;
  if (code === 'NoSuchBucket') return new StoreRefusedError(`${what}: the store has no such bucket`);
  if (CHANGED.has(status)) return new ChangedError(`${what}: changed or removed since it was looked up (${code})`);
  if (status === 429 || status === 503 || code === 'SlowDown') {
    return new StoreUnavailableError(`${what}: the store asks to slow down (${code})`, retryAfterOf(answer.retryAfter), { cause });
  }
  if (status >= 400 && status < 500) {
    const why = DENIED.has(status) ? 'refused access' : 'refused the request';
    return new StoreRefusedError(`${what}: the store ${why} (${code}, ${status})`);
  }
  return new StoreUnavailableError(`${what}: the store did not answer (${code}, ${status})`, 1, { cause });
}

/** Whether `err` came of an answer from the store (which asking again would only repeat). */
export function wasAnswered(err: unknown): boolean {
  return (
    err instanceof ChangedError ||
    err instanceof StoreRefusedError ||
    err instanceof StoreUnavailableError ||
    (err as SdkError | undefined)?.$metadata?.httpStatusCode !== undefined
  );
}

/**
 * Turns an error of a request for `what` into one the doors answer: an SDK error that carries the
 * store's answer as answerError says; anything else (refused, reset, timed out) the store
 * unavailable (503). Our own errors pass through.
 */
export function storeError(err: unknown, what: string): Error {
  if (err instanceof ChangedError || err instanceof StoreRefusedError || err instanceof StoreUnavailableError) return err;
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return answerError({ status, code: name, retryAfter: e.$response?.headers?.['retry-after'] }, what, err);
  return new StoreUnavailableError(`${what}: the store did not answer (${name}: ${(err as Error)?.message ?? String(err)})`, 1, { cause: err });
}
