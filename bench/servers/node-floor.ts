/**
 * node:http alone: every request gets the probe's 206 from memory (floor-answer.ts), the floor under
 * seekable's node:http handler. `node --import tsx bench/servers/node-floor.ts --dir D --port P`
 */
import { floorAnswer } from './floor-answer.js';
import { serve } from './serve.js';

serve('node-floor', (dir) => {
  const answer = floorAnswer(dir);
  return (_req, res) => {
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };
});
