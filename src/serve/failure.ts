import { type Plan, textPlan } from '../http/decide.js';
import { ChangedError, StoreRefusedError, StoreUnavailableError } from '../source/errors.js';

/** Where doors report failures unless told otherwise. */
export const defaultLog = (line: string) => console.error(line);

/** Errors that only mean the client went away: no log line for them, players do this constantly. */
const ABORTS = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED']);
/** Out of descriptors (the process's or the system's): a passing condition, not a fault. */
const EXHAUSTED = new Set(['EMFILE', 'ENFILE']);

const codeOf = (err: unknown) => (err as { code?: string } | null)?.code ?? '';

/** Whether an error only says the client went away. */
export function isAbort(err: unknown): boolean {
  return ABORTS.has(codeOf(err));
}

/**
 * The answer to a failure before any header went out, the same at every door. Running out of
 * descriptors is 503 with Retry-After: the server recovers by itself as connections close, and a
 * player that retries a second later gets its bytes. So is a store that cannot answer now (with the
 * wait it asked for), and a file still changing when looked up again. A store that refuses us is 502
 * (RFC 9110 §15.6.3: the gateway got an invalid answer upstream; the fix is ours, so a retry does not
 * help). Anything else is a short 500, no details.
 */
export function failurePlan(err: unknown): Plan {
  if (err instanceof StoreUnavailableError) {
    return textPlan(503, 'Service Unavailable: the store did not answer', { 'Retry-After': String(err.retryAfter) });
  }
  if (err instanceof StoreRefusedError) return textPlan(502, 'Bad Gateway: the store refused the request');
  // Still changing when looked up again (an object being replaced): over in a moment.
  if (err instanceof ChangedError) return textPlan(503, 'Service Unavailable: the file is changing', { 'Retry-After': '1' });
  return EXHAUSTED.has(codeOf(err))
    ? textPlan(503, 'Service Unavailable: too many open files', { 'Retry-After': '1' })
    : textPlan(500, 'Internal Server Error');
}

/** Writes one line for a failure of `method path`; a log that throws must not take the answer (or the process) down with it. */
export function logFailure(log: (line: string) => void, method: string | undefined, path: string | undefined, err: unknown): void {
  try {
    log(`seekable: ${method} ${path}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  } catch {
    // nothing left to tell it to
  }
}
