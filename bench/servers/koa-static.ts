/**
 * Koa's own static serving, koa-static (koa-send) at the root, defaults only (but for the error log,
 * koa-errors.ts):
 * `node --import tsx bench/servers/koa-static.ts --dir D --port P [--workers N]`.
 */
import Koa from 'koa';
import koaStatic from 'koa-static';
import { logUnlessClientGone } from './koa-errors.js';
import { serve } from './serve.js';

serve('koa-static', (dir) => {
  const app = new Koa();
  app.on('error', logUnlessClientGone);
  app.use(koaStatic(dir));
  return app.callback();
});
