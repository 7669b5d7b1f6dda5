// The Fetch API door on Bun: files under ./demo at /media/<name>.
// Run: npm run build && bun examples/bun.ts
import { createFetchHandler } from 'seekable/fetch';

const handle = createFetchHandler(Bun.env.MEDIA_ROOT ?? 'demo', { prefix: '/media' });
const server = Bun.serve({ fetch: handle, hostname: '127.0.0.1', port: Number(Bun.env.PORT ?? 3000) });

console.log(`http://127.0.0.1:${server.port}/media/Test%20pattern%20(H.264).mp4`);
