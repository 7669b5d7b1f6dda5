import cluster from 'node:cluster';
import type { Stats } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import type { ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { createApp } from '../app/app.js';
import { metricsHandler } from '../metrics/handler.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { progressReporter } from '../app/progress.js';
import { withAccessLog } from '../serve/access-log.js';
import { createMediaServer, createSecureMediaServer, type TlsCredentials } from '../serve/create-server.js';
import { StoreUnavailableError } from '../source/errors.js';
import { S3Source, type S3SourceOptions } from '../source/s3/s3-source.js';
import { listen } from './listen.js';
import type { ServeConfig } from './options.js';
import { loadTls } from './tls.js';
import { isEveryInterface, servingUrls } from './urls.js';
import { UsageError } from './usage-error.js';

/*
 * One format per stream: stdout carries the access log alone, one JSON object per line, so that
 * `seekable serve dir | jq` or a log shipper never meets anything else; every line meant for a person
 * (where it serves, the scan, warnings, closing) goes to stderr.
 */
const tell = (line: string) => console.error(line);

/**
 * Writes the access log to stdout until stdout goes away. A reader that stops (`seekable serve dir |
 * head -1`) closes the pipe, and the next write fails with EPIPE: an 'error' event that, unheard,
 * would end the server. The server goes on serving, without a log, and says so once.
 */
function accessLogToStdout(): (entry: object) => void {
  let open = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (!open) return;
    open = false;
    tell(`seekable: the access log's reader went away (${err.code ?? err.message}); serving on without it`);
  });
  return (entry) => {
    if (open) process.stdout.write(`${JSON.stringify(entry)}\n`);
  };
}

async function checkFolder(root: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such directory: ${root}` : `cannot read ${root} (${code})`);
  }
  if (!info.isDirectory()) throw new UsageError(`not a directory: ${root}`);
  try {
    await (await opendir(root)).close();
  } catch (err) {
    throw new UsageError(`cannot read ${root} (${(err as NodeJS.ErrnoException).code})`);
  }
}

/** Where it serves: one URL on its line, or, listening on every interface, one per line below. */
function servingMessage(config: ServeConfig, port: number): string {
  const urls = servingUrls(config.host, port, undefined, config.tls ? 'https' : 'http').map((url) =>
    config.basePath === '' ? url : `${url}${config.basePath.slice(1)}/`,
  );
  const workers = config.workers > 1 ? ` with ${config.workers} workers` : '';
  if (!isEveryInterface(config.host)) return `seekable: serving ${config.root} at ${urls[0]}${workers}`;
  return `seekable: serving ${config.root}${workers} on every interface, at:\n${urls.map((url) => `  ${url}`).join('\n')}`;
}

/**
 * The server `seekable serve` listens with: node:http, or with TLS node:http2 with HTTP/1.1 fallback,
 * how to close its connections when it stops, and `closed()`, which resolves once the server has
 * stopped and every connection it had has closed. node:http2 has no closeIdleConnections: its
 * sessions are told to close (GOAWAY: the streams in flight finish, no new ones start), and every
 * socket it accepted is cut when the time is up.
 */
function startServer(listener: Parameters<typeof createMediaServer>[0], config: ServeConfig, tls: TlsCredentials | undefined) {
  const server = tls === undefined ? createMediaServer(listener, config.limits) : createSecureMediaServer(tls, listener, config.limits);
  // Per connection, not per request: a keep-alive connection carries many.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  /**
   * The server says it is closed as its last connection starts closing; that connection's response
   * closes (and writes its access log line) on the socket's 'close', which comes a turn later: wait
   * for every socket's, listening after the response's own listener.
   */
  const closed = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        let left = sockets.size;
        if (left === 0) resolve();
        for (const socket of sockets) socket.once('close', () => --left === 0 && resolve());
      });
    });
  if (tls === undefined) {
    const http = server as ReturnType<typeof createMediaServer>;
    return { server, closed, closeIdle: () => http.closeIdleConnections(), closeAll: () => http.closeAllConnections() };
  }
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  return {
    server,
    closed,
    closeIdle: () => {
      for (const session of sessions) session.close();
    },
    closeAll: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** `--metrics`: a Metrics, or a UsageError saying what to install when prom-client is not there. */
async function startMetrics(config: ServeConfig): Promise<Metrics | undefined> {
  if (config.metrics === undefined) return undefined;
  try {
    return await createMetrics();
  } catch (err) {
    throw new UsageError(`--metrics: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The S3 source of an s3:// target, checked with a first listing: a store that refuses us (no such
 * bucket, access denied) is a mistake to name at once; one that does not answer now may come back,
 * so the server starts and /healthz says 503 until it does.
 */
async function openStore(options: S3SourceOptions, dotfiles: boolean, metrics: Metrics | undefined): Promise<S3Source> {
  const source = new S3Source({ ...options, dotfiles, observer: metrics?.source });
  try {
    await source.list('', { limit: 1 });
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) {
      source.close();
      throw new UsageError(`cannot serve s3://${options.bucket}/${options.prefix ?? ''}: ${(err as Error).message}`);
    }
    tell(`seekable: ${(err as Error).message}; serving anyway, /healthz answers 503 until the store does`);
  }
  return source;
}

/** `seekable serve` in this process: alone, or as one worker of `--workers N`. */
export async function serve(config: ServeConfig): Promise<void> {
  if (config.secrets.length > 0) tell('seekable: signed links required for file bytes');
  const metrics = await startMetrics(config);
  const store = config.s3 && (await openStore(config.s3, config.dotfiles, metrics));
  if (store === undefined) await checkFolder(config.root);
  const tls = config.tls && (await loadTls(config.tls));
  const metricsAt = config.metrics?.listen;
  const app = createApp({
    ...(store === undefined ? { root: config.root } : { source: store }),
    basePath: config.basePath,
    dotfiles: config.dotfiles,
    hardLinks: config.hardLinks,
    openFileCache: { ttl: config.fileCacheMs },
    cacheDir: config.cacheDir,
    posters: config.posters,
    secrets: config.secrets,
    accelRedirect: config.accelRedirect,
    metrics,
    metricsRoute: metricsAt === undefined,
    // One worker reports the scan; every worker scans (each has its own catalog, sharing the cache file).
    onScanProgress: cluster.isPrimary || cluster.worker?.id === 1 ? progressReporter(process.stderr, tell) : undefined,
  });
  let draining = false;
  const listener = config.quiet ? app : withAccessLog(app, accessLogToStdout());
  const { server, closed, closeIdle, closeAll } = startServer(listener, config, tls);
  await listen(server, config.host, config.port, process.env);
  const metricsServer = metrics && metricsAt && createMediaServer(metricsHandler(metrics));
  if (metricsServer) {
    await listen(metricsServer, metricsAt!.host, metricsAt!.port, process.env);
    const bound = metricsServer.address();
    tell(
      `seekable: metrics at http://${metricsAt!.host.includes(':') ? `[${metricsAt!.host}]` : metricsAt!.host}:${typeof bound === 'object' && bound !== null ? bound.port : metricsAt!.port}/metrics`,
    );
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // With workers, the primary says where once; a worker says nothing of its own.
  if (cluster.isPrimary) tell(servingMessage(config, port));
  // The pages serve what is known while the first scan runs; a failed scan is one line, not a crash.
  app.catalog.refresh().catch((err: unknown) => tell(`seekable: scanning failed: ${err instanceof Error ? err.message : err}`));

  /*
   * A graceful stop: stop accepting connections, turn not ready (/readyz: 503, for the load balancers
   * that still ask), close the idle connections and, within 100 ms of its response's end, each kept
   * connection (a proxy that sends a request on one as it closes gets an error and retries it on another
   * node, as nginx's proxy_next_upstream does); let the responses in flight finish for up to
   * --shutdown-timeout, then cut what is left. The process exits 0 once every connection is closed:
   * a stop that went as designed.
   */
  const stop = (signal: string) => {
    if (draining) {
      // A second signal: the user means it. A worker gets two as a matter of course (Ctrl-C reaches
      // the whole process group, then the primary passes SIGTERM on), so only the primary gives up.
      if (cluster.isPrimary) process.exit(1);
      return;
    }
    draining = true;
    app.drain();
    const seconds = config.shutdownTimeoutMs / 1000;
    // The listener closes (in closed()) before the line says so: a client that acts on the line and
    // connects is refused, where in between the kernel would have accepted it only for the close to
    // reset it (the shutdown test once failed so in CI: ECONNRESET instead of ECONNREFUSED).
    void closed().then(() => {
      app.close();
      store?.close();
      metrics?.close();
      process.exit(0);
    });
    if (cluster.isPrimary) tell(`seekable: ${signal}, closing (responses in flight have ${seconds}s to finish)`);
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    closeIdle();
    // A keep-alive connection turns idle when its response ends; nothing tells the server, so look.
    setInterval(closeIdle, 100).unref();
    setTimeout(() => {
      tell(`seekable: ${seconds}s are up, cutting the responses still in flight`);
      closeAll();
    }, config.shutdownTimeoutMs).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/**
 * `--workers N`: N processes accept on one port through node:cluster. The primary serves nothing; it
 * says where once, restarts a worker that dies, stops all of them if one cannot start (a port in use:
 * the worker has said why, exit code 2), and on SIGINT or SIGTERM lets each close gracefully.
 */
export async function servePrimary(config: ServeConfig): Promise<void> {
  if (config.s3 === undefined) await checkFolder(config.root);
  else (await openStore(config.s3, config.dotfiles, undefined)).close(); // a wrong bucket is said once, here
  if (config.tls) await loadTls(config.tls); // a bad certificate is said once, here, not by every worker
  let stopping = false;
  let announced = false;
  const start = () => cluster.fork();
  cluster.on('listening', (_worker, address) => {
    if (announced) return;
    announced = true;
    tell(servingMessage(config, address.port));
  });
  cluster.on('exit', (worker, code) => {
    if (!stopping && announced) {
      tell(`seekable: worker ${worker.process.pid} exited (${code}), starting another`);
      start();
      return;
    }
    if (!stopping) {
      stopping = true; // a worker could not start, and has said why: stop the others
      process.exitCode = code === 2 ? 2 : 1;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    tell(`seekable: ${signal}, closing`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (let i = 0; i < config.workers; i++) start();
}
