/**
 * seekable's Fetch door on Bun, Bun.serve({ fetch: createFetchHandler(dir) }) at the root, as
 * examples/bun.ts: `bun bench/servers/bun-seekable.ts --dir D --port P [--workers N]`. From the compiled
 * package, like servers/seekable.ts.
 */
import { createFetchHandler } from 'seekable/fetch';
import { serveOnBun } from './bun-serve.js';

serveOnBun('bun-seekable', (dir) => createFetchHandler(dir));
