/**
 * Koa logs every error of a piped body with its default handler, including a client that went away
 * mid-body (ECONNRESET, a premature close): the slow viewers leave that way, hundreds at once, for
 * koa-static as for seekable's middleware. Those are no failure of the server, so the Koa servers of the
 * benchmark drop them and print the rest, which the harness reports as failures the server logged.
 */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

export function logUnlessClientGone(err: Error & { code?: string }): void {
  if (err.code !== undefined && CLIENT_GONE.has(err.code)) return;
  console.error(err);
}
