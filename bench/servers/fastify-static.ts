/**
 * Fastify's own static serving, @fastify/static under /media, defaults only (as the seekable plugin is
 * mounted): `node --import tsx bench/servers/fastify-static.ts --dir D --port P [--workers N]`.
 */
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { serve } from './serve.js';

serve('fastify-static', async (dir) => {
  const app = Fastify();
  await app.register(fastifyStatic, { root: dir, prefix: '/media/' });
  await app.ready();
  return app.routing;
});
