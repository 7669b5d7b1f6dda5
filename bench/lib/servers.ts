/** Starts the servers under test, each as its own process (group), and waits until they answer. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { BENCH_DIR, REPO_ROOT, start, startNode, stop, type Child } from './procs.js';
import { SMALL } from './media.js';

/** The core comparison: nginx, Express's static, seekable's node:http handler. */
export const SERVERS = ['nginx', 'express', 'seekable'] as const;
export type CoreServerName = (typeof SERVERS)[number];

/** The doors (seekable's adapters) and each framework's own static serving; see doors.ts. */
export const DOOR_SERVERS = [
  'fastify-seekable',
  'fastify-static',
  'koa-seekable',
  'koa-static',
  'hono-seekable',
  'hono-static',
  'bun-seekable',
  'bun-file',
] as const;
export type DoorServerName = (typeof DOOR_SERVERS)[number];
/**
 * node:http and each Node framework alone: answering the probe from memory (servers/*-floor.ts), and
 * Hono on Node sending a whole file as a web stream (servers/hono-stream-floor.ts); see doors.ts.
 */
export const FLOOR_SERVERS = ['node-floor', 'fastify-floor', 'koa-floor', 'hono-floor', 'hono-stream-floor'] as const;
export type FloorServerName = (typeof FLOOR_SERVERS)[number];
export type ServerName = CoreServerName | DoorServerName | FloorServerName;

/** The servers that run on Bun rather than Node. */
const ON_BUN: ReadonlySet<ServerName> = new Set(['bun-seekable', 'bun-file']);

/** The project's own Bun (`npm install --no-save bun@1`), the one the door tests use; none is fetched here. */
export const BUN = path.join(REPO_ROOT, 'node_modules', '.bin', 'bun');

/** Why a server cannot run on this machine, or undefined when it can. */
export function unavailable(name: ServerName): string | undefined {
  if (ON_BUN.has(name) && !existsSync(BUN)) return `no Bun at node_modules/.bin/bun (npm install --no-save bun@1 installs it)`;
  return undefined;
}

/**
 * Servers whose runtime frames a streamed body chunked and drops the Content-Length the door set, and
 * the runtime's issue: Bun.serve does with any ReadableStream body (a body read at once keeps it). The
 * guard lets that pass, still comparing every byte and the Content-Range, and the doors table says so.
 */
export const CHUNKED_STREAMS: Partial<Record<ServerName, string>> = { 'bun-seekable': 'oven-sh/bun#10507' };

/**
 * The path the files are served under. The Fastify plugin's route needs a prefix, so both Fastify
 * servers serve under /media; everything else at the root.
 */
export function basePath(name: ServerName): string {
  return name.startsWith('fastify-') ? '/media' : '';
}

export interface ServerContext {
  tempDir: string;
  mediaDir: string;
  workers: number;
  pin: string | undefined;
}

export interface RunningServer {
  name: ServerName;
  port: number;
  /** The path the files are served under ('' or e.g. '/media'): a file's URL path is `${base}/${file}`. */
  base: string;
  /** The server's top process: its tree's RSS is the server's memory. */
  pid: number;
  child: Child;
}

/** A free loopback port (released just before the server binds it; nothing else here races for it). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `count` distinct free loopback ports, all held until every one is found and then released, for
 * servers started at the same time (ports found one by one could repeat once released).
 */
export async function freePorts(count: number): Promise<number[]> {
  const held = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const probe = createServer();
          probe.once('error', reject);
          probe.listen(0, '127.0.0.1', () => resolve(probe));
        }),
    ),
  );
  const ports = held.map((probe) => {
    const address = probe.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    return address.port;
  });
  await Promise.all(held.map((probe) => new Promise((resolve) => probe.close(resolve))));
  return ports;
}

/**
 * nginx as a video server is usually set up: sendfile, tcp_nopush, keep-alive, no access log. Its
 * prefix, temp paths, pid file and logs all live in the temp dir; no system file is read or written.
 * keepalive_requests is raised from its default of 1000 so that, like Node, nginx never closes a busy
 * keep-alive connection in the middle of a run.
 */
function nginxConfig(ctx: ServerContext, prefix: string, port: number): string {
  const user = process.getuid?.() === 0 ? 'user root;' : ''; // as root, workers would otherwise be nobody, who cannot read our 0700 temp dir
  return `${user}
worker_processes ${ctx.workers};
worker_rlimit_nofile 16384;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 8192; }
http {
  types { video/mp4 mp4; }
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${ctx.mediaDir};
    location / { }
  }
}
`;
}

function launch(name: ServerName, ctx: ServerContext, port: number): Child {
  const pin = { pin: ctx.pin };
  const nodeArgs = ['--dir', ctx.mediaDir, '--port', String(port), '--workers', String(ctx.workers)];
  switch (name) {
    case 'nginx': {
      const prefix = path.join(ctx.tempDir, 'nginx');
      mkdirSync(prefix, { recursive: true });
      const conf = path.join(prefix, 'nginx.conf');
      writeFileSync(conf, nginxConfig(ctx, prefix, port));
      const args = ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log'), '-g', 'daemon off;'];
      return start('nginx', 'nginx', args, pin);
    }
    case 'express':
      return startNode('express', 'servers/express-static.ts', nodeArgs, pin);
    case 'bun-seekable':
    case 'bun-file':
      return start(name, BUN, [path.join(BENCH_DIR, 'servers', `${name}.ts`), ...nodeArgs], pin);
    default:
      return startNode(name, `servers/${name}.ts`, nodeArgs, pin);
  }
}

/** Status of one `bytes=0-1` request, or undefined when nothing answers yet. */
function probe(port: number, base: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: `${base}/${SMALL}`, headers: { range: 'bytes=0-1' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(undefined));
    });
    req.setTimeout(1000, () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function describeFailure(name: ServerName, child: Child, ctx: ServerContext, why: string): Error {
  let log = child.output();
  if (name === 'nginx') {
    try {
      log += readFileSync(path.join(ctx.tempDir, 'nginx', 'error.log'), 'utf8');
    } catch {
      // no log yet
    }
  }
  return new Error(`${name} ${why}\n${log.trim().split('\n').slice(-20).join('\n')}`);
}

/** Starts a server on `port` (default: a free one) and resolves once it answers. */
export async function startServer(name: ServerName, ctx: ServerContext, port?: number): Promise<RunningServer> {
  port ??= await freePort();
  const child = launch(name, ctx, port);
  let exited: number | string | undefined;
  void child.exited.then((code) => (exited = code));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited !== undefined) {
      await stop(child);
      throw describeFailure(name, child, ctx, `exited (${exited}) before answering`);
    }
    const base = basePath(name);
    if ((await probe(port, base)) !== undefined) return { name, port, base, pid: child.pid, child };
    if (Date.now() > deadline) {
      await stop(child);
      throw describeFailure(name, child, ctx, 'did not answer within 20 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function stopServer(server: RunningServer): Promise<void> {
  await stop(server.child);
}

/** What a Node server printed besides its ready line: failures it logged (seekable logs one line each). */
export function loggedLines(server: RunningServer): string[] {
  return server.child
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes(' ready on '));
}
