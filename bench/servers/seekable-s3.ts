/**
 * seekable's handler over an S3Source on node:http, for bench/s3.ts:
 *   node --import tsx bench/servers/seekable-s3.ts --endpoint http://127.0.0.1:S --bucket B --port P [--max-sockets N]
 * It imports the compiled package (dist/), as users run it. Every store request the source makes is
 * counted through its `observer`; `GET /__bench/stats` answers the counts as JSON. That route is
 * answered here, before the handler, so asking costs no store request and is not counted.
 */
import { createServer } from 'node:http';
import { createHandler } from 'seekable';
import { S3Source, type StoreOperation } from 'seekable/s3';
import { option } from '../clients/http1.js';
import { STORE_CREDENTIALS } from '../lib/store.js';

/**
 * Requests the handler received; store requests made so far, by operation; those that did not end
 * "ok", by operation and outcome; metadata cache lookups.
 */
export interface StoreStats {
  received: number;
  requests: Record<StoreOperation, number>;
  failures: Record<string, number>;
  cache: { hits: number; misses: number };
}

const stats: StoreStats = { received: 0, requests: { head: 0, get: 0, list: 0, presign: 0 }, failures: {}, cache: { hits: 0, misses: 0 } };
const maxSockets = option('max-sockets', '');

const source = new S3Source({
  bucket: option('bucket'),
  endpoint: option('endpoint'),
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: STORE_CREDENTIALS,
  maxSockets: maxSockets === '' ? undefined : Number(maxSockets),
  observer: {
    storeRequest(operation, _seconds, failed) {
      stats.requests[operation as StoreOperation]++;
      if (failed) stats.failures[operation] = (stats.failures[operation] ?? 0) + 1;
    },
    cacheLookup(_cache, hit) {
      if (hit) stats.cache.hits++;
      else stats.cache.misses++;
    },
  },
});
const handler = createHandler(source);

// The harness holds our stdin open; when it goes away (even killed with SIGKILL), so do we.
process.stdin
  .on('end', () => process.exit(0))
  .on('error', () => process.exit(0))
  .resume();
process.on('SIGTERM', () => process.exit(0));

const port = Number(option('port'));
createServer((req, res) => {
  if (req.url === '/__bench/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  stats.received++;
  handler(req, res);
}).listen(port, '127.0.0.1', () => console.log(`seekable-s3 ready on 127.0.0.1:${port}`));
