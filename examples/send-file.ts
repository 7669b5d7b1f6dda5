// The tutorial's case: your own route decides which file to play (here, by id from a table you
// control), and seekable does the HTTP: 206, 416, If-Range, ETag, HEAD, multipart.
// Run: npx tsx examples/send-file.ts  (in your app: import from 'seekable')
import { createServer } from 'node:http';
import path from 'node:path';
import { sendFile } from '../src/index.js';

const videos = new Map([
  ['1', path.resolve('demo/Test pattern (H.264).mp4')],
  ['2', path.resolve('demo/Mandelbrot zoom (VP9).webm')],
]);

const server = createServer((req, res) => {
  const id = /^\/videos\/(\w+)$/.exec(req.url ?? '')?.[1];
  const file = id === undefined ? undefined : videos.get(id);
  if (file === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such video\n');
    return;
  }
  void sendFile(req, res, file);
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`http://127.0.0.1:${port}/videos/1`);
});
