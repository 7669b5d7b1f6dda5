// The Fetch API door on Deno: files under ./demo at /media/<name>.
// Run: npm run build && deno run -A --node-modules-dir=manual examples/deno.ts
import { createFetchHandler } from 'seekable/fetch';

const handle = createFetchHandler(Deno.env.get('MEDIA_ROOT') ?? 'demo', { prefix: '/media' });
Deno.serve(
  {
    hostname: '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 3000),
    onListen: ({ port }) => console.log(`http://127.0.0.1:${port}/media/Test%20pattern%20(H.264).mp4`),
  },
  handle,
);
