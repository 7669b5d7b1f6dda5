// seekable as Express middleware: files under ./demo at /media/<name>; what it does not have
// (missing files, other methods) goes on to your next handlers.
// Run: npx tsx examples/express.ts  (in your app: import from 'seekable')
import express from 'express';
import { createHandler } from '../src/index.js';

const app = express();
app.use('/media', createHandler('demo', { cacheControl: 'public, max-age=86400' }));
app.get('/', (_req, res) => {
  res.type('html').send('<video controls src="/media/Test%20pattern%20(H.264).mp4"></video>');
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`http://127.0.0.1:${port}/`);
});
