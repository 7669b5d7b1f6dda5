#!/usr/bin/env node
import { opendir, stat } from 'node:fs/promises';
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from './app/app.js';
import { urlFor } from './app/html.js';
import { progressReporter } from './app/progress.js';
import { withAccessLog } from './serve/access-log.js';
import { createMediaServer, type ServerLimits } from './serve/create-server.js';
import { parseDuration, signQuery } from './serve/signing.js';

const USAGE = `Usage:
  seekable serve <dir> [--host 127.0.0.1] [--port 8080] [--cache-dir <dir>] [--secret <s>]
  seekable sign <path> [--ttl 1h] [--prefix] [--base-url http://127.0.0.1:8080] [--secret <s>]

serve: serves the videos in <dir> over HTTP with full range and conditional support:
  /                 the library page
  /watch/<path>     a player page
  /media/<path>     the file's bytes (?download=1 to download)
  /api/library      the catalog as JSON
  /healthz          200 ok when the folder can be served

sign: prints a link to /media/<path> that works until --ttl from now, or with --prefix,
  the query string that opens every file under the folder <path> (append it to their URLs).

Options:
  --host <addr>     address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --port <n>        port to listen on (default 8080; 0 picks a free one)
  --cache-dir <dir> where the catalog cache and posters are kept
                    (default $XDG_CACHE_HOME/seekable, else ~/.cache/seekable)
  --no-posters      do not make poster images with ffmpeg
  --dotfiles        also serve files and folders whose name starts with "."
  --no-hardlinks    refuse files that have other hard links (for roots others can write to)
  --workers <n|auto>        processes serving the same port (default 1; auto: one per core)
  --file-cache <time>       keep looked-up files open this long for the next requests (default 1s;
                    0 turns it off, and reads on the spot too, as network filesystems need)
  --secret <s>      require signed links for file bytes; repeat it (or set SEEKABLE_SECRET to
                    "new,old") to accept old links while rotating; the first one signs
  --ttl <time>      how long a signed link works: 90s, 15m, 1h, 7d (default 1h)
  --quiet           no access log (by default one JSON line per request on stdout)
  --headers-timeout <time>  time a client has to send its request headers (default 10s)
  --idle-timeout <time>     close connections with nothing moving for this long (default 60s; 0: never)
  --max-connections <n>     refuse connections beyond this many (default 10000)
  -h, --help        this text`;

/** A problem the user can fix: printed as one line, exit code 2, never a stack trace. */
class UsageError extends Error {}

interface ServeConfig {
  command: 'serve';
  root: string;
  host: string;
  port: number;
  dotfiles: boolean;
  hardLinks: boolean;
  fileCacheMs: number;
  workers: number;
  cacheDir: string | undefined;
  posters: boolean;
  secrets: string[];
  quiet: boolean;
  /** Given ones only; createMediaServer fills in the rest. */
  limits: ServerLimits;
}

interface SignConfig {
  command: 'sign';
  path: string;
  ttl: number;
  prefix: boolean;
  baseUrl: string;
  secrets: string[];
}

function parse(argv: string[], env: NodeJS.ProcessEnv): ServeConfig | SignConfig | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8080' },
        dotfiles: { type: 'boolean', default: false },
        'no-hardlinks': { type: 'boolean', default: false },
        'file-cache': { type: 'string', default: '1s' },
        workers: { type: 'string', default: '1' },
        'cache-dir': { type: 'string' },
        'no-posters': { type: 'boolean', default: false },
        secret: { type: 'string', multiple: true },
        ttl: { type: 'string', default: '1h' },
        prefix: { type: 'boolean', default: false },
        'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
        quiet: { type: 'boolean', default: false },
        'headers-timeout': { type: 'string', default: '10s' },
        'idle-timeout': { type: 'string', default: '60s' },
        'max-connections': { type: 'string', default: '10000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, target, ...rest] = positionals;
  if (command !== 'serve' && command !== 'sign') {
    throw new UsageError(command === undefined ? 'missing command: seekable serve <dir>' : `unknown command '${command}'`);
  }
  if (target === undefined) throw new UsageError(command === 'serve' ? 'missing <dir>: seekable serve <dir>' : 'missing <path>: seekable sign <path>');
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const secrets = (values.secret ?? (env.SEEKABLE_SECRET ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  if (secrets.some((s) => s.length < 16)) throw new UsageError('a secret must be at least 16 characters long');

  if (command === 'sign') {
    const ttl = parseDuration(values.ttl);
    if (ttl === undefined || ttl === 0) throw new UsageError(`--ttl must be a duration like 90s, 15m, 1h or 7d, not '${values.ttl}'`);
    if (secrets.length === 0) throw new UsageError('no secret: pass --secret or set SEEKABLE_SECRET');
    const baseUrl = values['base-url'].replace(/\/$/, '');
    if (!/^https?:\/\/[^/]+$/.test(baseUrl)) throw new UsageError(`--base-url must be like http://host:port, not '${values['base-url']}'`);
    return { command, path: target, ttl, prefix: values.prefix, baseUrl, secrets };
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not '${values.port}'`);
  const seconds = (flag: 'headers-timeout' | 'idle-timeout' | 'file-cache', min: number) => {
    const value = parseDuration(values[flag]);
    if (value === undefined || value < min) throw new UsageError(`--${flag} must be a duration like 10s or 2m${min > 0 ? '' : ' (0: never)'}, not '${values[flag]}'`);
    return value * 1000;
  };
  const maxConnections = Number(values['max-connections']);
  if (!/^\d+$/.test(values['max-connections']) || maxConnections < 1) {
    throw new UsageError(`--max-connections must be a whole number above 0, not '${values['max-connections']}'`);
  }
  const workers = values.workers === 'auto' ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new UsageError(`--workers must be a whole number from 1 to 256, or auto, not '${values.workers}'`);
  }
  return {
    command,
    root: path.resolve(target),
    workers,
    host: values.host,
    port,
    dotfiles: values.dotfiles,
    hardLinks: !values['no-hardlinks'],
    fileCacheMs: seconds('file-cache', 0),
    cacheDir: values['cache-dir'] === undefined ? undefined : path.resolve(values['cache-dir']),
    posters: !values['no-posters'],
    secrets,
    quiet: values.quiet,
    limits: {
      headersTimeout: seconds('headers-timeout', 1),
      idleTimeout: seconds('idle-timeout', 0),
      maxConnections,
    },
  };
}

/** `seekable sign`: a link to one file, or the query string that opens a whole folder. */
function sign(config: SignConfig): string {
  const expires = Math.floor(Date.now() / 1000) + config.ttl;
  const key = config.path.replace(/^\/+/, '').replace(/^media\//, '');
  if (config.prefix) {
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    return `?${signQuery('', config.secrets[0]!, { expires, prefix })}`;
  }
  return `${config.baseUrl}${urlFor('/media/', key)}?${signQuery(key, config.secrets[0]!, { expires })}`;
}

async function checkFolder(root: string): Promise<void> {
  let info;
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

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new UsageError(`port ${port} on ${host} is already in use (try --port)`));
      else if (err.code === 'EACCES') reject(new UsageError(`no permission to listen on ${host}:${port}`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new UsageError(`cannot listen on host '${host}'`));
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
}

async function serve(config: ServeConfig): Promise<void> {
  if (config.secrets.length > 0) console.log('seekable: signed links required for file bytes');
  await checkFolder(config.root);
  const app = createApp({
    root: config.root,
    dotfiles: config.dotfiles,
    hardLinks: config.hardLinks,
    cacheTtl: config.fileCacheMs,
    cacheDir: config.cacheDir,
    posters: config.posters,
    secrets: config.secrets,
    // One worker reports the scan; every worker scans (each has its own catalog, sharing the cache file).
    onScanProgress: cluster.isPrimary || cluster.worker?.id === 1 ? progressReporter(process.stderr, (line) => console.log(line)) : undefined,
  });
  const listener = config.quiet ? app : withAccessLog(app, (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`));
  const server = createMediaServer(listener, config.limits);
  await listen(server, config.host, config.port);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // With workers, the primary says where once; a worker says nothing of its own.
  if (cluster.isPrimary) console.log(servingLine(config, port));
  // The pages serve what is known while the first scan runs; a failed scan is one line, not a crash.
  app.catalog.refresh().catch((err: unknown) => console.error(`seekable: scanning failed: ${err instanceof Error ? err.message : err}`));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal: the user means it. A worker gets two as a matter of course (Ctrl-C reaches
      // the whole process group, then the primary passes SIGTERM on), so only the primary gives up.
      if (cluster.isPrimary) process.exit(1);
      return;
    }
    stopping = true;
    if (cluster.isPrimary) console.log(`seekable: ${signal}, closing`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // Viewers mid-stream would hold the close forever: give them a moment, then cut them.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function servingLine(config: ServeConfig, port: number): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const workers = config.workers > 1 ? ` with ${config.workers} workers` : '';
  return `seekable: serving ${config.root} at http://${host}:${port}/${workers}`;
}

/**
 * `--workers N`: N processes accept on one port through node:cluster. The primary serves nothing; it
 * says where once, restarts a worker that dies, stops all of them if one cannot start (a port in use:
 * the worker has said why, exit code 2), and on SIGINT or SIGTERM lets each close gracefully.
 */
async function primary(config: ServeConfig): Promise<void> {
  await checkFolder(config.root);
  let stopping = false;
  let announced = false;
  const start = () => cluster.fork();
  cluster.on('listening', (_worker, address) => {
    if (announced) return;
    announced = true;
    console.log(servingLine(config, address.port));
  });
  cluster.on('exit', (worker, code) => {
    if (!stopping && announced) {
      console.error(`seekable: worker ${worker.process.pid} exited (${code}), starting another`);
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
    console.log(`seekable: ${signal}, closing`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (let i = 0; i < config.workers; i++) start();
}

async function main(argv: string[]): Promise<void> {
  const config = parse(argv, process.env);
  if (config === 'help') console.log(USAGE);
  else if (config.command === 'sign') console.log(sign(config));
  else if (config.workers > 1 && cluster.isPrimary) await primary(config);
  else await serve(config);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Usage errors and start-up failures alike: one line naming the problem, no stack trace.
  console.error(`seekable: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
