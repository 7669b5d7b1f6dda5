/**
 * node:http alone: every request gets the probe's 206 from memory (floor-answer.ts), the floor under
 * seekable's node:http handler. `node --import tsx bench/servers/node-floor.ts --dir D --port P`
 */
import { floorAnswer, lookedUp } from './floor-answer.js';
import { serve } from './serve.js';

serve('node-floor', (dir) => {
  const answer = floorAnswer(dir);
  return async (_req, res) => {
    await lookedUp();
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };
});
