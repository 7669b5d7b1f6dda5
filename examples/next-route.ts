// The Fetch API door as a Next.js App Router route handler: save as app/media/[...path]/route.ts and the
// files under ./demo answer at /media/<name>, with ranges and conditionals. Node runtime (it reads files).
import { createFetchHandler } from 'seekable/fetch';

const handle = createFetchHandler(process.env.MEDIA_ROOT ?? 'demo', { prefix: '/media' });

export const runtime = 'nodejs';
export const GET = (request: Request) => handle(request);
export const HEAD = GET;
