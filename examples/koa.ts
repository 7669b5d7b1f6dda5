// seekable as Koa middleware: files under ./demo at /media/<name>; what it does not have goes on
// downstream; sendVideo answers with one file your own middleware chose.
// Run: npx tsx examples/koa.ts  (in your app: import { seekable, sendVideo } from 'seekable/koa')
import Koa from 'koa';
import { seekable, sendVideo } from '../src/adapters/koa.js';

const app = new Koa();
const media = seekable('demo', { prefix: '/media', cacheControl: 'public, max-age=86400' });
app.use(media);
app.use(async (ctx, next) => {
  if (ctx.path === '/latest') return sendVideo(ctx, 'Test pattern (H.264).mp4', { source: media.source, download: 'latest.mp4' });
  await next();
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`http://127.0.0.1:${port}/`);
});
