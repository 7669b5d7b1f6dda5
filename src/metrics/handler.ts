import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

/**
 * A node:http listener (and Express/Connect middleware) that answers GET and HEAD with every metric in
 * the Prometheus text format, whatever the path: mount it where scrapes should go
 * (`app.get('/metrics', metricsHandler(metrics))`) or give it a listener of its own
 * (`createServer(metricsHandler(metrics)).listen(9100, '127.0.0.1')`). Other methods get 405.
 * `Cache-Control: no-store`: a scrape must never be answered from a cache.
 */
export function metricsHandler(metrics: Metrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method Not Allowed\n');
      return;
    }
    metrics.text().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        // A collect function that throws: say so in the answer, not in a crash.
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(`metrics could not be collected: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  };
}
