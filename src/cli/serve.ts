import cluster from 'node:cluster';
import type { Stats } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import type { ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { createApp } from '../app/app.js';
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
 * and how to close its connections when it stops. node:http2 has no closeIdleConnections: its
 * sessions are told to close (GOAWAY: the streams in flight finish, no new ones start), and every
 * socket it accepted is cut when the time is up.
 */
function startServer(listener: Parameters<typeof createMediaServer>[0], config: ServeConfig, tls: TlsCredentials | undefined) {
  if (tls === undefined) {
    const server = createMediaServer(listener, config.limits);
    return { server, closeIdle: () => server.closeIdleConnections(), closeAll: () => server.closeAllConnections() };
  }
  const server = createSecureMediaServer(tls, listener, config.limits);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  return {
    server,
    closeIdle: () => {
      for (const session of sessions) session.close();
    },
    closeAll: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/**
 * The S3 source of an s3:// target, checked with a first listing: a store that refuses us (no such
 * bucket, access denied) is a mistake to name at once; one that does not answer now may come back,
 * so the server starts and /healthz says 503 until it does.
 */
async function openStore(options: S3SourceOptions, dotfiles: boolean): Promise<S3Source> {
  const source = new S3Source({ ...options, dotfiles });
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
  const store = config.s3 && (await openStore(config.s3, config.dotfiles));
  if (store === undefined) await checkFolder(config.root);
  const tls = config.tls && (await loadTls(config.tls));
  const app = createApp({
    ...(store === undefined ? { root: config.root } : { source: store }),
    basePath: config.basePath,
    dotfiles: config.dotfiles,
    hardLinks: config.hardLinks,
    openFileCache: { ttl: config.fileCacheMs },
    cacheDir: config.cacheDir,
    posters: config.posters,
    secrets: config.secrets,
    // One worker reports the scan; every worker scans (each has its own catalog, sharing the cache file).
    onScanProgress: cluster.isPrimary || cluster.worker?.id === 1 ? progressReporter(process.stderr, tell) : undefined,
  });
  const listener = config.quiet ? app : withAccessLog(app, accessLogToStdout());
  const { server, closeIdle, closeAll } = startServer(listener, config, tls);
  await listen(server, config.host, config.port, process.env);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // With workers, the primary says where once; a worker says nothing of its own.
  if (cluster.isPrimary) tell(servingMessage(config, port));
  // The pages serve what is known while the first scan runs; a failed scan is one line, not a crash.
  app.catalog.refresh().catch((err: unknown) => tell(`seekable: scanning failed: ${err instanceof Error ? err.message : err}`));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal: the user means it. A worker gets two as a matter of course (Ctrl-C reaches
      // the whole process group, then the primary passes SIGTERM on), so only the primary gives up.
      if (cluster.isPrimary) process.exit(1);
      return;
    }
    stopping = true;
    if (cluster.isPrimary) tell(`seekable: ${signal}, closing`);
    server.close(() => {
      store?.close();
      process.exit(0);
    });
    closeIdle();
    // Viewers mid-stream would hold the close forever: give them a moment, then cut them.
    setTimeout(closeAll, 2000).unref();
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
  else (await openStore(config.s3, config.dotfiles)).close(); // a wrong bucket is said once, here
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
