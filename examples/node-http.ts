// Serve a folder of videos with node:http: every file under ./demo at /<name>, with ranges and
// conditional requests. Run: npx tsx examples/node-http.ts  (in your app: import from 'seekable')
import { createServer } from 'node:http';
import { createHandler } from '../src/index.js';

const handler = createHandler('demo');
const server = createServer((req, res) => handler(req, res));

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`http://127.0.0.1:${port}/Test%20pattern%20(H.264).mp4`);
});
