/**
 * The seekable Koa middleware at the root, defaults only:
 * `node --import tsx bench/servers/koa-seekable.ts --dir D --port P [--workers N]`. From the compiled
 * package, like servers/seekable.ts.
 */
import Koa from 'koa';
import { seekable } from 'seekable/koa';
import { serve } from './serve.js';

serve('koa-seekable', (dir) => {
  const app = new Koa();
  app.use(seekable(dir));
  return app.callback();
});
