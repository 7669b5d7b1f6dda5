/**
 * Shared by the Node servers of the benchmark: reads `--dir`, `--port` and `--workers` (or DIR, PORT,
 * WORKERS), listens on 127.0.0.1, prints one "ready" line, and exits when the harness goes away.
 * With more than one worker, a node:cluster primary forks them and they share the port. The listener
 * may be made asynchronously (a Fastify app is ready only after its plugins are registered).
 */
import cluster from 'node:cluster';
import { createServer, type RequestListener } from 'node:http';
import { option } from '../clients/http1.js';

export function serve(name: string, makeListener: (dir: string) => RequestListener | Promise<RequestListener>): void {
  const dir = option('dir', process.env.DIR);
  const port = Number(option('port', process.env.PORT));
  const workers = Number(option('workers', process.env.WORKERS ?? '1'));

  if (cluster.isPrimary) {
    // The harness holds our stdin open; when it goes away (even killed with SIGKILL), so do we.
    process.stdin
      .on('end', () => process.exit(0))
      .on('error', () => process.exit(0))
      .resume();
    process.on('SIGTERM', () => process.exit(0));
  }

  if (workers > 1 && cluster.isPrimary) {
    let listening = 0;
    let stopping = false;
    process.on('exit', () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) return;
      console.error(`${name}: worker ${worker.process.pid} died (${signal ?? code})`);
      process.exit(1);
    });
    cluster.on('listening', () => {
      if (++listening === workers) console.log(`${name} ready on 127.0.0.1:${port} (${workers} workers)`);
    });
    for (let i = 0; i < workers; i++) cluster.fork();
    return;
  }

  void Promise.resolve(makeListener(dir)).then(
    (listener) => {
      const server = createServer(listener);
      server.listen(port, '127.0.0.1', () => {
        if (cluster.isPrimary) console.log(`${name} ready on 127.0.0.1:${port}`);
      });
    },
    (err: unknown) => {
      console.error(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
