// The whole seekable app (library, player, media, API) inside your Express app, under /videos/.
// Run: npx tsx examples/app-under-path.ts  (in your app: import from 'seekable/app')
import express from 'express';
import { createApp } from '../src/app/index.js';

const app = express();
app.use('/videos', createApp({ root: 'demo' }));
app.get('/', (_req, res) => {
  res.type('html').send('<a href="/videos/">Videos</a>');
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`http://127.0.0.1:${port}/videos/`);
});
