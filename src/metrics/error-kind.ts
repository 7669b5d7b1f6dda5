/**
 * A failure as a metric's label: a bounded set of names, never a message (messages hold paths and
 * would make a series per file). A read that came up short or a file rewritten under its body by
 * their error's name; a system error by its errno code in lower case ('emfile', 'eio', 'eacces'); a
 * store's error by its HTTP status class when it carries one ('store_5xx'); anything else is 'other'.
 */
export function errorKind(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  if (e?.name === 'ShortReadError') return 'short_read';
  if (e?.name === 'ChangedError') return 'changed';
  if (typeof e?.code === 'string' && /^E[A-Z0-9]{1,15}$/.test(e.code)) return e.code.toLowerCase();
  const status = e?.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 100 && status < 600) return `store_${Math.floor(status / 100)}xx`;
  return 'other';
}
