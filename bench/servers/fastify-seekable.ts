/**
 * The seekable Fastify plugin under /media (its route needs a prefix), defaults only:
 * `node --import tsx bench/servers/fastify-seekable.ts --dir D --port P [--workers N]`. From the
 * compiled package, like servers/seekable.ts.
 */
import Fastify from 'fastify';
import seekable from 'seekable/fastify';
import { serve } from './serve.js';

serve('fastify-seekable', async (dir) => {
  const app = Fastify();
  await app.register(seekable, { root: dir, prefix: '/media' });
  await app.ready();
  // Fastify's own request handler (routing, hooks, 404), on the server serve.ts makes.
  return app.routing;
});
