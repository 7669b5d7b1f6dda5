/**
 * Shared by the Bun servers of the benchmark, as serve.ts is by the Node ones: reads `--dir`, `--port`
 * and `--workers`, serves a Fetch handler with Bun.serve on 127.0.0.1, prints one "ready" line, and
 * exits when the harness goes away. Bun has no node:cluster: with more than one worker, this process
 * starts that many copies of itself, each listening on the port with SO_REUSEPORT, and prints the ready
 * line once all of them do; they stop with it (its process group, or their stdin closing).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { option } from '../clients/http1.js';

const WORKER_ENV = 'BENCH_BUN_WORKER';

/**
 * The little of Bun's API these servers use. Typed here rather than declared as a global: tsc checks
 * bench/ and examples/ as one program, and examples/runtime-globals.d.ts already declares a smaller `Bun`.
 */
export interface BunApi {
  serve(options: { fetch(request: Request): Response | Promise<Response>; hostname?: string; port?: number; reusePort?: boolean }): { port: number };
  file(path: string): Blob & { exists(): Promise<boolean> };
}

/** Bun's global, typed; it exists only when the file runs on Bun. */
export const bun = (): BunApi => (globalThis as unknown as { Bun: BunApi }).Bun;

export function serveOnBun(name: string, makeFetch: (dir: string) => (request: Request) => Response | Promise<Response>): void {
  const dir = option('dir', process.env.DIR);
  const port = Number(option('port', process.env.PORT));
  const workers = Number(option('workers', process.env.WORKERS ?? '1'));
  const isWorker = process.env[WORKER_ENV] === '1';

  // The harness (or the primary) holds our stdin open; when it goes away, so do we.
  process.stdin
    .on('end', () => process.exit(0))
    .on('error', () => process.exit(0))
    .resume();
  process.on('SIGTERM', () => process.exit(0));

  if (workers > 1 && !isWorker) {
    let listening = 0;
    const children = Array.from({ length: workers }, () => {
      const child = spawn(process.execPath, process.argv.slice(1), {
        env: { ...process.env, [WORKER_ENV]: '1' },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line === 'listening' && ++listening === workers) console.log(`${name} ready on 127.0.0.1:${port} (${workers} workers)`);
      });
      child.on('exit', (code, signal) => {
        console.error(`${name}: worker ${child.pid} exited (${signal ?? code})`);
        process.exit(1);
      });
      return child;
    });
    process.on('exit', () => {
      for (const child of children) child.kill('SIGKILL');
    });
    return;
  }

  bun().serve({ hostname: '127.0.0.1', port, reusePort: workers > 1, fetch: makeFetch(dir) });
  console.log(isWorker ? 'listening' : `${name} ready on 127.0.0.1:${port}`);
}
