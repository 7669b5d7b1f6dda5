/**
 * The seekable Koa middleware at the root, defaults only (but for the error log, koa-errors.ts):
 * `node --import tsx bench/servers/koa-seekable.ts --dir D --port P [--workers N]`. From the compiled
 * package, like servers/seekable.ts.
 */
import Koa from 'koa';
import { seekable } from 'seekable/koa';
import { logUnlessClientGone } from './koa-errors.js';
import { serve } from './serve.js';

serve('koa-seekable', (dir) => {
  const app = new Koa();
  app.on('error', logUnlessClientGone);
  app.use(seekable(dir));
  return app.callback();
});
