/**
 * seekable's Fetch door in Hono on Node (@hono/node-server), at the root, as examples/hono.ts mounts it:
 * `node --import tsx bench/servers/hono-seekable.ts --dir D --port P [--workers N]`. From the compiled
 * package, like servers/seekable.ts.
 */
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { createFetchHandler } from 'seekable/fetch';
import { serve } from './serve.js';

serve('hono-seekable', (dir) => {
  const handle = createFetchHandler(dir);
  const app = new Hono();
  app.all('/*', (c) => handle(c.req.raw));
  return getRequestListener(app.fetch);
});
