/** Express's static serving, defaults only: `node --import tsx bench/servers/express-static.ts --dir D --port P [--workers N]`. */
import express from 'express';
import { serve } from './serve.js';

serve('express', (dir) => {
  const app = express();
  app.use(express.static(dir));
  return app;
});
