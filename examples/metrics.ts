// Prometheus metrics of a handler: requests, answers by kind, bytes, streams, time to first byte,
// failures and the open-file cache, scraped at /metrics (prom-client must be installed).
// Run: npx tsx examples/metrics.ts  (in your app: import from 'seekable' and 'seekable/metrics')
import { createServer } from 'node:http';
import { createHandler } from '../src/index.js';
import { createMetrics, metricsHandler } from '../src/metrics/index.js';

const metrics = await createMetrics();
const media = createHandler('demo', { metrics });
const scrape = metricsHandler(metrics);
const server = createServer((req, res) => (req.url === '/metrics' ? scrape(req, res) : media(req, res)));

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`http://127.0.0.1:${port}/Test%20pattern%20(H.264).mp4`);
});
