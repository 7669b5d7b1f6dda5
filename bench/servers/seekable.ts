/** seekable's handler on node:http, serving the bench media: `node --import tsx bench/servers/seekable.ts --dir D --port P [--workers N]`. */
import { createHandler } from '../../src/index.js';
import { serve } from './serve.js';

serve('seekable', (dir) => {
  const handler = createHandler(dir);
  return (req, res) => handler(req, res);
});
