/**
 * Hono's own static serving on Node, serveStatic from @hono/node-server/serve-static, at the root,
 * defaults only: `node --import tsx bench/servers/hono-static.ts --dir D --port P [--workers N]`.
 */
import { getRequestListener } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { serve } from './serve.js';

serve('hono-static', (dir) => {
  const app = new Hono();
  app.use('/*', serveStatic({ root: dir }));
  return getRequestListener(app.fetch);
});
