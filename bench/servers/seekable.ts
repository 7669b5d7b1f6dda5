/**
 * seekable's handler on node:http, serving the bench media: `node --import tsx bench/servers/seekable.ts --dir D --port P [--workers N]`.
 * It imports the compiled package (dist/, built by `npm run bench`'s prebench step), as users run it:
 * through tsx's transform the same code answers the probe ~20% slower (its keepNames wrappers cost
 * on every closure made per request).
 */
import { createHandler } from 'seekable';
import { serve } from './serve.js';

serve('seekable', (dir) => {
  const handler = createHandler(dir);
  return (req, res) => handler(req, res);
});
