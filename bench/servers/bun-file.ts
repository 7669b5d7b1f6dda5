/**
 * Bun's own way to serve a file: `new Response(Bun.file(path))` from Bun.serve, which answers Range
 * requests itself: `bun bench/servers/bun-file.ts --dir D --port P [--workers N]`. The path is the URL's,
 * decoded, under the directory; `..` segments and missing files get 404 (Bun.file itself answers a
 * missing file with a 500 and its error page), checked with Bun's own `file.exists()`.
 */
import path from 'node:path';
import { bun, serveOnBun } from './bun-serve.js';

serveOnBun('bun-file', (dir) => {
  const api = bun();
  return async (request) => {
    const key = decodeURIComponent(new URL(request.url).pathname);
    const file = api.file(path.join(dir, key));
    if (key.split('/').includes('..') || !(await file.exists())) return new Response('Not Found', { status: 404 });
    return new Response(file);
  };
});
