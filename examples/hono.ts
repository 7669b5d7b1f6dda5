// The Fetch API door in Hono, on Node through @hono/node-server: files under ./demo at /media/<name>.
// Run: npm run build && npx tsx examples/hono.ts
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createFetchHandler } from 'seekable/fetch';

const handle = createFetchHandler(process.env.MEDIA_ROOT ?? 'demo', { prefix: '/media' });
const app = new Hono();
app.all('/media/*', (c) => handle(c.req.raw));

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) }, ({ port }) => {
  console.log(`http://127.0.0.1:${port}/media/Test%20pattern%20(H.264).mp4`);
});
