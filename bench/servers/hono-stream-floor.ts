/**
 * Hono on Node alone sending a whole file as a web stream, the floor under the Fetch door's full-file
 * row there: a route answers 200 with the file at the URL's path as a Response whose body is a pull
 * ReadableStream reading 1 MiB at a time, each into a fresh buffer (a web stream's consumer may keep
 * any chunk, so no body streamed through the Fetch API can reuse one). No range, no condition, no
 * check: what any Fetch API body of that file costs on @hono/node-server, and nothing of ours.
 * `node --import tsx bench/servers/hono-stream-floor.ts --dir D --port P`
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { serve } from './serve.js';

const CHUNK = 1024 * 1024;

serve('hono-stream-floor', (dir) => {
  const app = new Hono();
  app.get('/*', (c) => {
    const fd = openSync(path.join(dir, path.basename(c.req.path)), 'r');
    const size = fstatSync(fd).size;
    let pos = 0;
    const close = () => {
      if (pos >= 0) closeSync(fd);
      pos = -1;
    };
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - pos));
          const bytesRead = readSync(fd, chunk, 0, chunk.length, pos);
          if (bytesRead === 0) {
            close();
            return controller.error(new Error(`${c.req.path} ended early`));
          }
          pos += bytesRead;
          controller.enqueue(chunk);
          if (pos >= size) {
            close();
            controller.close();
          }
        },
        cancel: close,
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { headers: { 'content-length': String(size), 'content-type': 'video/mp4' } });
  });
  return getRequestListener(app.fetch);
});
