/**
 * Hono on Node alone: a route returns the probe's 206 from memory as a Response, the floor under the
 * Fetch door in Hono. `node --import tsx bench/servers/hono-floor.ts --dir D --port P`
 */
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { floorAnswer, lookedUp } from './floor-answer.js';
import { serve } from './serve.js';

serve('hono-floor', (dir) => {
  const answer = floorAnswer(dir);
  const app = new Hono();
  app.all('/*', async () => {
    await lookedUp();
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });
  return getRequestListener(app.fetch);
});
