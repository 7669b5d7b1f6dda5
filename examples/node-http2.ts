// Serve a folder of videos over HTTPS with HTTP/2 (HTTP/1.1 for clients without it), with node:http2's
// compatibility API. Run: TLS_CERT=cert.pem TLS_KEY=key.pem npx tsx examples/node-http2.ts
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { createHandler } from '../src/index.js';

const cert = readFileSync(process.env.TLS_CERT ?? 'cert.pem');
const key = readFileSync(process.env.TLS_KEY ?? 'key.pem');
const server = http2.createSecureServer({ allowHTTP1: true, cert, key }, createHandler('demo'));

server.listen(Number(process.env.PORT ?? 3443), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`https://127.0.0.1:${port}/Test%20pattern%20(H.264).mp4`);
});
