// seekable as a Fastify plugin: files under ./demo at /media/<name>, behind your hooks, logged by
// Fastify's logger; reply.sendVideo answers with one file your own route chose.
// Run: npx tsx examples/fastify.ts  (in your app: import seekable from 'seekable/fastify')
import Fastify from 'fastify';
import seekable from '../src/adapters/fastify.js';

const app = Fastify({ logger: process.env.LOG === '1' });
await app.register(seekable, { root: 'demo', prefix: '/media', cacheControl: 'public, max-age=86400' });
app.get('/latest', (_request, reply) => reply.sendVideo('Test pattern (H.264).mp4', { download: 'latest.mp4' }));

const url = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`${url}/`);
