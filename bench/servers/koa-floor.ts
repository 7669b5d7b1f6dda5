/**
 * Koa alone: one middleware sets the probe's 206 from memory on ctx, the floor under the seekable
 * middleware. `node --import tsx bench/servers/koa-floor.ts --dir D --port P`
 */
import Koa from 'koa';
import { floorAnswer, lookedUp } from './floor-answer.js';
import { serve } from './serve.js';

serve('koa-floor', (dir) => {
  const answer = floorAnswer(dir);
  const app = new Koa();
  app.use(async (ctx) => {
    await lookedUp();
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  });
  return app.callback();
});
