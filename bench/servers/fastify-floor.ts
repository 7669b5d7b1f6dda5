/**
 * Fastify alone: a route under /media (as the plugin's) answers the probe's 206 from memory with
 * `reply.send`, the floor under the seekable plugin. `node --import tsx bench/servers/fastify-floor.ts --dir D --port P`
 */
import Fastify from 'fastify';
import { floorAnswer, lookedUp } from './floor-answer.js';
import { serve } from './serve.js';

serve('fastify-floor', async (dir) => {
  const answer = floorAnswer(dir);
  const app = Fastify();
  app.get('/media/*', async (_request, reply) => {
    await lookedUp();
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  await app.ready();
  return app.routing;
});
