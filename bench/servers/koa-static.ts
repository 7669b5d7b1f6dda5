/**
 * Koa's own static serving, koa-static (koa-send) at the root, defaults only:
 * `node --import tsx bench/servers/koa-static.ts --dir D --port P [--workers N]`.
 */
import Koa from 'koa';
import koaStatic from 'koa-static';
import { serve } from './serve.js';

serve('koa-static', (dir) => {
  const app = new Koa();
  app.use(koaStatic(dir));
  return app.callback();
});
